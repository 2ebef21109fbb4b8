import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Client, User } from '../../src/core/model.js';
import { AppError } from '../../src/errors/app-error.js';
import { emailPoolConfig, harness, manualClock, STRONG_PASSWORD, type Harness, type ManualClock } from './fixtures.js';

const REDIRECT = 'https://app.example.com/cb';
const failsWith = (code: string) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, code, e.message);
  return true;
};
const userClient = (name: string, extra: Record<string, unknown> = {}) => ({
  ClientName: name, CallbackURLs: [REDIRECT], AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email', 'profile'],
  AllowedOAuthFlowsUserPoolClient: true, ...extra,
});

describe('tokens issued by the core', () => {
  let h: Harness;
  let clock: ManualClock;
  let user: User;

  before(async () => {
    clock = manualClock();
    h = await harness(emailPoolConfig({
      Groups: [{ GroupName: 'staff', Precedence: 2 }, { GroupName: 'admins', Precedence: 1 }],
      ResourceServers: [{ Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] }],
      Clients: [
        userClient('web'),
        userClient('rotating', { RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 } }),
        { ClientName: 'machine', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['api/read'], AllowedOAuthFlowsUserPoolClient: true },
      ],
      Users: [{ Username: 'erin@example.com', Password: STRONG_PASSWORD, Groups: ['staff', 'admins'], UserAttributes: [{ Name: 'name', Value: 'Erin' }] }],
    }), clock);
    user = (await h.deps.storage.users.findByAlias(h.pool.id, 'email', 'erin@example.com'))!;
  });
  after(() => h.close());

  /** Authorize (code flow) and exchange the code, as the endpoints do. */
  async function signIn(client: Client, scope = 'openid email profile') {
    const req = await h.services.oauth.validateAuthorizationRequest({
      response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, scope, state: 'st', nonce: 'n-123',
    });
    const location = await h.services.oauth.completeAuthorization(req, { user, authTime: clock.now(), amr: ['pwd'] });
    const code = new URL(location).searchParams.get('code')!;
    const tokens = await h.services.oauth.exchangeCode(h.pool, client, { code, redirectUri: REDIRECT });
    return { code, tokens };
  }

  async function verify(token: string, audience?: string): Promise<JWTPayload> {
    const jwks = createLocalJWKSet((await h.services.keys.jwks(h.pool.id)) as Parameters<typeof createLocalJWKSet>[0]);
    const { payload } = await jwtVerify(token, jwks, {
      issuer: h.deps.issuer.issuerFor(h.pool.id), audience, algorithms: ['RS256'], currentDate: new Date(clock.now()),
    });
    return payload;
  }

  it('signs an access token Cognito-style: no aud, client_id, version 2, username, groups by precedence', async () => {
    const { tokens } = await signIn(h.clients.web!);
    const access = await verify(tokens.accessToken);
    assert.equal(access.aud, undefined);
    assert.equal(access.client_id, h.clients.web!.id);
    assert.equal(access.version, 2);
    assert.equal(access.username, user.username);
    assert.equal(access.sub, user.id);
    assert.equal(access.token_use, 'access');
    assert.equal(access.scope, 'openid email profile');
    assert.deepEqual(access['cognito:groups'], ['admins', 'staff']);
    assert.equal(access.iss, `http://localhost:9229/${h.pool.id}`);
    assert.equal(access.iat, Math.floor(clock.now() / 1000));
    assert.equal(access.exp! - access.iat!, 3600);
    assert.equal(access.origin_jti, tokens.originJti);
    assert.equal(tokens.expiresIn, 3600);
  });

  it('signs an ID token for the client: aud, cognito:username, token_use id, typed attributes, nonce, at_hash', async () => {
    const { tokens } = await signIn(h.clients.web!);
    const id = await verify(tokens.idToken!, h.clients.web!.id);
    assert.equal(id.aud, h.clients.web!.id);
    assert.equal(id['cognito:username'], user.username);
    assert.equal(id.token_use, 'id');
    assert.equal(id.email, 'erin@example.com');
    assert.equal(id.email_verified, true);
    assert.equal(id.name, 'Erin');
    assert.equal(id.nonce, 'n-123');
    const expectedAtHash = createHash('sha256').update(tokens.accessToken).digest().subarray(0, 16).toString('base64url');
    assert.equal(id.at_hash, expectedAtHash);
    assert.notEqual(decodeProtectedHeader(tokens.idToken!).kid, decodeProtectedHeader(tokens.accessToken).kid);
    assert.equal((await h.services.keys.jwks(h.pool.id)).keys.length, 2);
  });

  it('narrows the ID token and userInfo to the email scope; userInfo returns strings', async () => {
    const { tokens } = await signIn(h.clients.web!, 'openid email');
    const id = await verify(tokens.idToken!, h.clients.web!.id);
    assert.equal(id.name, undefined);
    assert.equal(id.email_verified, true);
    assert.deepEqual(await h.services.oauth.userInfo(tokens.accessToken), {
      sub: user.id, email: 'erin@example.com', email_verified: 'true', username: user.username,
    });
  });

  it('a code works once; its replay is InvalidGrant and revokes what the first exchange issued', async () => {
    const { code, tokens } = await signIn(h.clients.web!);
    await assert.rejects(h.services.oauth.exchangeCode(h.pool, h.clients.web!, { code, redirectUri: REDIRECT }), failsWith('InvalidGrant'));
    await assert.rejects(h.services.oauth.refresh(h.pool, h.clients.web!, tokens.refreshToken), failsWith('InvalidGrant'));
    await assert.rejects(h.services.oauth.userInfo(tokens.accessToken), failsWith('InvalidToken'));
  });

  it('without rotation a refresh token keeps working; once its family is revoked it is InvalidGrant', async () => {
    const { tokens } = await signIn(h.clients.web!);
    for (let i = 0; i < 2; i++) {
      const refreshed = await h.services.oauth.refresh(h.pool, h.clients.web!, tokens.refreshToken);
      assert.equal(refreshed.refreshToken, undefined);
      assert.equal((await verify(refreshed.accessToken)).origin_jti, tokens.originJti);
      assert.equal((await verify(refreshed.idToken!, h.clients.web!.id))['cognito:username'], user.username);
    }
    await assert.rejects(h.services.oauth.refresh(h.pool, h.clients.rotating!, tokens.refreshToken), failsWith('InvalidGrant'));
    await h.services.oauth.revoke(h.clients.web!, tokens.refreshToken!);
    await assert.rejects(h.services.oauth.refresh(h.pool, h.clients.web!, tokens.refreshToken), failsWith('InvalidGrant'));
    await assert.rejects(h.services.oauth.userInfo(tokens.accessToken), failsWith('InvalidToken'));
  });

  it('a revoked family refuses its refresh token even when revoked directly in storage', async () => {
    const { tokens } = await signIn(h.clients.web!);
    await h.deps.storage.tokens.revokeFamily(tokens.originJti, clock.now());
    await assert.rejects(h.services.oauth.refresh(h.pool, h.clients.web!, tokens.refreshToken), failsWith('InvalidGrant'));
  });

  it('with rotation a refresh returns a new refresh token; the old one is refused after the grace period', async () => {
    const client = h.clients.rotating!;
    const { tokens } = await signIn(client);
    const old = tokens.refreshToken!;
    const rotated = await h.services.oauth.refresh(h.pool, client, old);
    assert.ok(rotated.refreshToken);
    assert.notEqual(rotated.refreshToken, old);
    await verify(rotated.accessToken);

    clock.advance(5_000);
    const retried = await h.services.oauth.refresh(h.pool, client, old);
    assert.equal(retried.refreshToken, undefined);

    clock.advance(6_000);
    const next = await h.services.oauth.refresh(h.pool, client, rotated.refreshToken);
    assert.ok(next.refreshToken);
    await assert.rejects(h.services.oauth.refresh(h.pool, client, old), failsWith('InvalidGrant'));
    // Reuse of a rotated-out token ends the whole family.
    await assert.rejects(h.services.oauth.refresh(h.pool, client, next.refreshToken), failsWith('InvalidGrant'));
  });

  it('client_credentials issues an access token for the client with only resource-server scopes', async () => {
    const machine = h.clients.machine!;
    const issued = await h.services.oauth.clientCredentials(h.pool, machine, undefined);
    const access = await verify(issued.accessToken);
    assert.equal(access.sub, machine.id);
    assert.equal(access.client_id, machine.id);
    assert.equal(access.scope, 'api/read');
    assert.equal(access.token_use, 'access');
    assert.equal(access.aud, undefined);
    assert.equal(access.username, undefined);
    await assert.rejects(h.services.oauth.clientCredentials(h.pool, machine, 'openid'), failsWith('InvalidScope'));
    await assert.rejects(h.services.oauth.clientCredentials(h.pool, h.clients.web!, 'api/read'), failsWith('UnauthorizedClient'));
  });
});
