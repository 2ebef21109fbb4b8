import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessTokenClaims, claimAttributeNames, idTokenClaims, orderGroups, userInfoClaims, type TokenContext } from '../../src/core/tokens/claims.js';
import { clientOf, groupOf, userOf } from './fixtures.js';

const user = userOf({
  email: 'alice@example.com', email_verified: 'true', phone_number: '+14325551212', phone_number_verified: 'false',
  name: 'Alice', given_name: 'Alice', 'custom:tier': 'gold', 'dev:internal': 'hidden', updated_at: '1700000000',
});
const client = clientOf();
const sorted = (xs: string[]) => [...xs].sort();
const ALL_READABLE = sorted(['email', 'email_verified', 'phone_number', 'phone_number_verified', 'name', 'given_name', 'custom:tier', 'updated_at']);

const ctx = (over: Partial<TokenContext> = {}): TokenContext => ({
  issuer: 'http://localhost:9229/us-east-1_Test1', client, user, groups: [], scopes: ['openid'], authTime: 1_700_000_000, amr: ['pwd'],
  issuedAt: 1_700_000_100, originJti: 'origin-1', eventId: 'event-1', ...over,
});

describe('claims: which attributes', () => {
  it('openid alone gives every readable attribute (not sub, not developer-only)', () => {
    assert.deepEqual(sorted(claimAttributeNames(client, user, ['openid'])), ALL_READABLE);
    assert.deepEqual(sorted(claimAttributeNames(client, user, ['openid', 'aws.cognito.signin.user.admin'])), ALL_READABLE);
  });

  it('the email scope narrows to email and email_verified, phone to the phone pair', () => {
    assert.deepEqual(sorted(claimAttributeNames(client, user, ['openid', 'email'])), ['email', 'email_verified']);
    assert.deepEqual(sorted(claimAttributeNames(client, user, ['openid', 'phone'])), ['phone_number', 'phone_number_verified']);
    assert.deepEqual(sorted(claimAttributeNames(client, user, ['openid', 'email', 'phone'])), ['email', 'email_verified', 'phone_number', 'phone_number_verified']);
  });

  it('the profile scope gives every readable attribute', () => {
    assert.deepEqual(sorted(claimAttributeNames(client, user, ['openid', 'email', 'profile'])), ALL_READABLE);
  });

  it('ReadAttributes limits what a client sees', () => {
    const narrow = clientOf({ ReadAttributes: ['email', 'name'] });
    assert.deepEqual(sorted(claimAttributeNames(narrow, user, ['openid'])), ['email', 'name']);
    assert.deepEqual(claimAttributeNames(narrow, user, ['openid', 'email']), ['email']);
  });
});

describe('claims: ID token and userInfo', () => {
  it('the ID token types verified flags as booleans and updated_at as a number', () => {
    const id = idTokenClaims(ctx(), 'jti-1', 1_700_003_700, { nonce: 'n-1', atHash: 'hash' });
    assert.equal(id.email_verified, true);
    assert.equal(id.phone_number_verified, false);
    assert.equal(id.updated_at, 1_700_000_000);
    assert.equal(id['custom:tier'], 'gold');
    assert.equal(id['dev:internal'], undefined);
    assert.equal(id.aud, client.id);
    assert.equal(id['cognito:username'], 'alice');
    assert.equal(id.token_use, 'id');
    assert.equal(id.nonce, 'n-1');
    assert.equal(id.at_hash, 'hash');
    assert.equal(id.sub, user.id);
    assert.equal(id.exp, 1_700_003_700);
    assert.equal(id.iat, 1_700_000_100);
    assert.equal(id.auth_time, 1_700_000_000);
    const bare = idTokenClaims(ctx({ scopes: ['openid', 'email'] }), 'jti-2', 1, {});
    assert.equal('nonce' in bare, false);
    assert.equal('at_hash' in bare, false);
    assert.equal('name' in bare, false);
  });

  it('userInfo returns the verified flags as the strings "true"/"false", plus sub and username', () => {
    const info = userInfoClaims(client, user, ['openid']);
    assert.equal(info.email_verified, 'true');
    assert.equal(info.phone_number_verified, 'false');
    assert.equal(info.updated_at, '1700000000');
    assert.equal(info.sub, user.id);
    assert.equal(info.username, 'alice');
    assert.deepEqual(userInfoClaims(client, user, ['openid', 'email']), {
      sub: user.id, email: 'alice@example.com', email_verified: 'true', username: 'alice',
    });
  });

  it('the access token has no aud, and carries client_id, version 2, username and the scopes', () => {
    const access = accessTokenClaims(ctx({ scopes: ['openid', 'email'] }), 'jti-a', 1_700_003_700);
    assert.equal('aud' in access, false);
    assert.equal(access.client_id, client.id);
    assert.equal(access.version, 2);
    assert.equal(access.username, 'alice');
    assert.equal(access.token_use, 'access');
    assert.equal(access.scope, 'openid email');
    assert.equal(access.origin_jti, 'origin-1');
    assert.equal(access.email, undefined);
  });
});

describe('claims: groups and roles', () => {
  const arn = (n: string) => `arn:aws:iam::123456789012:role/${n}`;

  it('orders cognito:groups by precedence, then name, groups without precedence last', () => {
    const groups = [groupOf('zeta'), groupOf('beta', 2), groupOf('alpha', 2), groupOf('top', 0), groupOf('middle', 1), groupOf('anon')];
    const expected = ['top', 'middle', 'alpha', 'beta', 'anon', 'zeta'];
    assert.deepEqual(orderGroups(groups).map((g) => g.name), expected);
    assert.deepEqual(accessTokenClaims(ctx({ groups }), 'j', 1)['cognito:groups'], expected);
    assert.deepEqual(idTokenClaims(ctx({ groups }), 'j', 1, {})['cognito:groups'], expected);
  });

  it('the ID token names the preferred role of the lowest-precedence group with a role; the access token has no roles', () => {
    const groups = [groupOf('readers', 5, arn('reader')), groupOf('admins', 1, arn('admin')), groupOf('plain', 0)];
    const id = idTokenClaims(ctx({ groups }), 'j', 1, {});
    assert.equal(id['cognito:preferred_role'], arn('admin'));
    assert.deepEqual(id['cognito:roles'], [arn('admin'), arn('reader')]);
    const access = accessTokenClaims(ctx({ groups }), 'j', 1);
    assert.equal('cognito:roles' in access, false);
    assert.equal('cognito:preferred_role' in access, false);
  });

  it('omits cognito:preferred_role when the lowest precedence is tied between different roles', () => {
    const groups = [groupOf('b', 1, arn('b')), groupOf('a', 1, arn('a')), groupOf('c', 3, arn('c'))];
    const id = idTokenClaims(ctx({ groups }), 'j', 1, {});
    assert.equal('cognito:preferred_role' in id, false);
    assert.deepEqual(id['cognito:roles'], [arn('a'), arn('b'), arn('c')]);
    const sameRole = [groupOf('b', 1, arn('x')), groupOf('a', 1, arn('x'))];
    assert.equal(idTokenClaims(ctx({ groups: sameRole }), 'j', 1, {})['cognito:preferred_role'], arn('x'));
  });

  it('no groups, no group claims', () => {
    const id = idTokenClaims(ctx(), 'j', 1, {});
    assert.equal('cognito:groups' in id, false);
    assert.equal('cognito:roles' in id, false);
  });
});
