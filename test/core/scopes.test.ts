import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScopeString, resolveClientCredentialsScopes, resolveUserScopes } from '../../src/core/oauth/scopes.js';
import { AppError } from '../../src/errors/app-error.js';
import { clientOf } from './fixtures.js';

const invalidScope = (e: unknown) => e instanceof AppError && e.code === 'InvalidScope';

describe('scopes', () => {
  const web = clientOf({ AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin', 'api/read'] });

  it('parses a scope string: omitted or blank is undefined, duplicates collapse, malformed is InvalidScope', () => {
    assert.equal(parseScopeString(undefined), undefined);
    assert.equal(parseScopeString('   '), undefined);
    assert.deepEqual(parseScopeString('  openid   email openid '), ['openid', 'email']);
    assert.throws(() => parseScopeString('openid "email"'), invalidScope);
    assert.throws(() => parseScopeString('openid a\\b'), invalidScope);
    assert.throws(() => parseScopeString(`x${'y'.repeat(256)}`), invalidScope);
  });

  it('an omitted scope means every scope the client is allowed', () => {
    assert.deepEqual(resolveUserScopes(web, undefined), ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin', 'api/read']);
    assert.deepEqual(resolveUserScopes(web, parseScopeString('')), web.settings.allowedOAuthScopes);
  });

  it('a requested subset is kept as asked', () => {
    assert.deepEqual(resolveUserScopes(web, ['openid', 'email']), ['openid', 'email']);
    assert.deepEqual(resolveUserScopes(web, ['api/read']), ['api/read']);
    assert.deepEqual(resolveUserScopes(web, ['aws.cognito.signin.user.admin']), ['aws.cognito.signin.user.admin']);
  });

  it('a scope the client is not allowed is InvalidScope naming it', () => {
    assert.throws(() => resolveUserScopes(web, ['openid', 'phone']), (e: unknown) => invalidScope(e) && /phone/.test((e as Error).message));
    assert.throws(() => resolveUserScopes(web, ['openid', 'api/write']), invalidScope);
    assert.throws(() => resolveUserScopes(web, ['unknown']), invalidScope);
  });

  it('email, phone and profile without openid are InvalidScope', () => {
    const all = clientOf({ AllowedOAuthScopes: ['openid', 'email', 'phone', 'profile'] });
    for (const scope of ['email', 'phone', 'profile']) {
      assert.throws(() => resolveUserScopes(all, [scope]), invalidScope, scope);
      assert.deepEqual(resolveUserScopes(all, ['openid', scope]), ['openid', scope]);
    }
    const noOpenid = clientOf({ AllowedOAuthScopes: ['email'] });
    assert.throws(() => resolveUserScopes(noOpenid, undefined), invalidScope);
  });

  it('client_credentials grants only resource-server scopes', () => {
    const machine = clientOf({ AllowedOAuthScopes: ['api/read', 'api/write', 'openid'] });
    assert.deepEqual(resolveClientCredentialsScopes(machine, undefined), ['api/read', 'api/write']);
    assert.deepEqual(resolveClientCredentialsScopes(machine, ['api/write']), ['api/write']);
    assert.throws(() => resolveClientCredentialsScopes(machine, ['openid']), invalidScope);
    assert.throws(() => resolveClientCredentialsScopes(machine, ['api/read', 'email']), invalidScope);
    assert.throws(() => resolveClientCredentialsScopes(machine, ['api/delete']), invalidScope);
    assert.throws(() => resolveClientCredentialsScopes(clientOf({ AllowedOAuthScopes: ['openid'] }), undefined), invalidScope);
  });
});
