import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import argon2 from 'argon2';
import type { PasswordHasher } from '../../src/core/ports.js';
import { ARGON2_OPTIONS } from '../../src/infra/argon2-hasher.js';
import { argon2idParameters, OLDER_ARGON2 } from '../helpers/argon2.js';
import { issueSignInTokens } from '../../src/core/tokens/families.js';
import { AppError } from '../../src/errors/app-error.js';
import { codeIn, emailPoolConfig, harness, manualClock, STRONG_PASSWORD, type Harness, type ManualClock } from './fixtures.js';

const NEW_PASSWORD = 'Brand-New-Passw0rd';
const failsWith = (code: string, message?: string) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, code, e.message);
  if (message !== undefined) assert.equal(e.message, message);
  return true;
};
const CURRENT_PARAMETERS = { m: ARGON2_OPTIONS.memoryCost, t: ARGON2_OPTIONS.timeCost, p: 1 };
const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

const config = emailPoolConfig({
  Clients: [{
    ClientName: 'web', CallbackURLs: ['https://app.example.com/cb'], AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email'], AllowedOAuthFlowsUserPoolClient: true,
  }],
  Users: [
    { Username: 'carol@example.com', Password: STRONG_PASSWORD },
    { Username: 'dave@example.com', Password: STRONG_PASSWORD },
    { Username: 'temp@example.com', TemporaryPassword: STRONG_PASSWORD },
    { Username: 'off@example.com', Password: STRONG_PASSWORD, Enabled: false },
  ],
});

describe('password authentication', () => {
  let h: Harness;
  let clock: ManualClock;
  before(async () => {
    clock = manualClock();
    h = await harness(config, clock);
  });
  after(() => h.close());

  it('an unknown user is UserNotFound, after spending a full argon2 verification', async () => {
    const real = h.deps.hasher;
    const calls: string[] = [];
    const spy: PasswordHasher = {
      hash: (p) => real.hash(p),
      verify: async (hash, p) => { calls.push('verify'); return real.verify(hash, p); },
      verifyDummy: async (p) => { calls.push('dummy:start'); await real.verifyDummy(p); calls.push('dummy:end'); },
      needsRehash: (hash) => real.needsRehash(hash),
    };
    h.deps.hasher = spy;
    try {
      await assert.rejects(h.services.users.authenticatePassword(h.pool, 'nobody@example.com', STRONG_PASSWORD), (e: unknown) => {
        calls.push('rejected');
        return failsWith('UserNotFound')(e);
      });
      assert.deepEqual(calls, ['dummy:start', 'dummy:end', 'rejected']);
      calls.length = 0;
      await assert.rejects(h.services.users.authenticatePassword(h.pool, 'carol@example.com', 'Wrong-Passw0rd'), failsWith('NotAuthorized'));
      assert.deepEqual(calls, ['verify']);
    } finally {
      h.deps.hasher = real;
    }
  });

  it('a wrong password is NotAuthorized in Cognito\'s words; the right one signs in, by email in any case', async () => {
    await assert.rejects(
      h.services.users.authenticatePassword(h.pool, 'carol@example.com', 'Wrong-Passw0rd'),
      failsWith('NotAuthorized', 'Incorrect username or password.'),
    );
    const ok = await h.services.users.authenticatePassword(h.pool, 'CAROL@Example.com', STRONG_PASSWORD);
    assert.equal(ok.kind, 'authenticated');
    assert.equal(ok.user.attributes.email, 'carol@example.com');
  });

  it('a password hashed with older argon2 parameters is hashed again with the current ones at its next sign-in, and nothing else changes', async () => {
    const dave = (await h.services.users.findBySignInName(h.pool, 'dave@example.com'))!;
    const current = dave.passwordHash!;
    assert.deepEqual(argon2idParameters(current), CURRENT_PARAMETERS);
    await h.services.users.authenticatePassword(h.pool, 'dave@example.com', STRONG_PASSWORD);
    assert.equal((await h.deps.storage.users.get(h.pool.id, dave.id))!.passwordHash, current, 'a current hash is left as it is');

    const older = await argon2.hash(STRONG_PASSWORD, OLDER_ARGON2);
    await h.deps.storage.users.update(h.pool.id, dave.id, (u) => ({ ...u, passwordHash: older }));
    const before = (await h.deps.storage.users.get(h.pool.id, dave.id))!;

    await assert.rejects(h.services.users.authenticatePassword(h.pool, 'dave@example.com', 'Wrong-Passw0rd'), failsWith('NotAuthorized'));
    assert.equal((await h.deps.storage.users.get(h.pool.id, dave.id))!.passwordHash, older, 'a wrong password rehashes nothing');

    clock.advance(60_000);
    const ok = await h.services.users.authenticatePassword(h.pool, 'dave@example.com', STRONG_PASSWORD);
    assert.equal(ok.kind, 'authenticated');
    const after = (await h.deps.storage.users.get(h.pool.id, dave.id))!;
    assert.notEqual(after.passwordHash, older);
    assert.deepEqual(argon2idParameters(after.passwordHash!), CURRENT_PARAMETERS);
    assert.equal(h.deps.hasher.needsRehash(after.passwordHash!), false);
    assert.ok(await argon2.verify(after.passwordHash!, STRONG_PASSWORD), 'the new hash is of the same password');
    assert.deepEqual({ ...after, passwordHash: '' }, { ...before, passwordHash: '' }, 'the password and the user did not change: no dates move');
    assert.equal((await h.services.users.authenticatePassword(h.pool, 'dave@example.com', STRONG_PASSWORD)).kind, 'authenticated');
  });

  it('an unconfirmed user is UserNotConfirmed with the right password and NotAuthorized with a wrong one', async () => {
    await h.services.users.signUp(h.pool, { username: 'new@example.com', password: STRONG_PASSWORD, attributes: {} });
    await assert.rejects(h.services.users.authenticatePassword(h.pool, 'new@example.com', STRONG_PASSWORD), failsWith('UserNotConfirmed'));
    await assert.rejects(h.services.users.authenticatePassword(h.pool, 'new@example.com', 'Wrong-Passw0rd'), failsWith('NotAuthorized'));
  });

  it('a disabled user is NotAuthorized; a temporary password asks for a new one until it expires', async () => {
    await assert.rejects(h.services.users.authenticatePassword(h.pool, 'off@example.com', STRONG_PASSWORD), failsWith('NotAuthorized', 'User is disabled.'));
    const temp = await h.services.users.authenticatePassword(h.pool, 'temp@example.com', STRONG_PASSWORD);
    assert.equal(temp.kind, 'new_password_required');
    clock.advance(8 * 86_400_000);
    await assert.rejects(h.services.users.authenticatePassword(h.pool, 'temp@example.com', STRONG_PASSWORD), failsWith('NotAuthorized'));
  });
});

describe('forgot password', () => {
  let h: Harness;
  before(async () => { h = await harness(config); });
  after(() => h.close());

  const signIn = async (email: string) => {
    const user = (await h.deps.storage.users.findByAlias(h.pool.id, 'email', email))!;
    const session = await h.services.sessions.create(h.pool, user, ['pwd']);
    const tokens = await issueSignInTokens(h.deps, {
      pool: h.pool, client: h.clients.web!, user, scopes: ['openid', 'email'], authTime: h.deps.clock.now(), amr: ['pwd'],
      withIdToken: true, withRefreshToken: true,
    });
    return { user, sessionId: session.id, tokens };
  };

  it('emails a reset code; confirming it sets the password and revokes the user\'s token families and browser sessions', async () => {
    const carol1 = await signIn('carol@example.com');
    const carol2 = await signIn('carol@example.com');
    const dave = await signIn('dave@example.com');

    const delivery = await h.services.users.forgotPassword(h.pool, 'carol@example.com');
    assert.deepEqual(delivery, { destination: 'c***@e***', medium: 'EMAIL', attributeName: 'email' });
    const message = h.deps.sender.messages.at(-1)!;
    assert.equal(message.kind, 'forgot_password_code');
    assert.equal(message.to, 'carol@example.com');
    const code = codeIn(message);

    await assert.rejects(h.services.users.confirmForgotPassword(h.pool, 'carol@example.com', code, 'weak'), failsWith('InvalidPassword'));
    await assert.rejects(h.services.users.confirmForgotPassword(h.pool, 'carol@example.com', wrong(code), NEW_PASSWORD), failsWith('CodeMismatch'));
    const updated = await h.services.users.confirmForgotPassword(h.pool, 'carol@example.com', code, NEW_PASSWORD);
    assert.equal(updated.status, 'CONFIRMED');

    for (const s of [carol1, carol2]) {
      assert.notEqual((await h.deps.storage.tokens.getFamilyWithUser(s.tokens.originJti))?.family?.revokedAt, undefined);
      assert.equal(await h.services.sessions.resume(h.pool, s.sessionId), undefined);
      await assert.rejects(h.services.oauth.refresh(h.pool, h.clients.web!, s.tokens.refreshToken), failsWith('InvalidGrant'));
    }
    assert.equal((await h.deps.storage.tokens.getFamilyWithUser(dave.tokens.originJti))?.family?.revokedAt, undefined);
    assert.equal((await h.services.sessions.resume(h.pool, dave.sessionId))?.user.id, dave.user.id);

    await assert.rejects(h.services.users.authenticatePassword(h.pool, 'carol@example.com', STRONG_PASSWORD), failsWith('NotAuthorized'));
    assert.equal((await h.services.users.authenticatePassword(h.pool, 'carol@example.com', NEW_PASSWORD)).kind, 'authenticated');
    await assert.rejects(h.services.users.confirmForgotPassword(h.pool, 'carol@example.com', code, 'An0ther-Passw0rd'), failsWith('ExpiredCode'));
  });

  it('refuses users without a verified email, and unknown users', async () => {
    await h.services.users.signUp(h.pool, { username: 'unverified@example.com', password: STRONG_PASSWORD, attributes: {} });
    const sent = h.deps.sender.messages.length;
    await assert.rejects(h.services.users.forgotPassword(h.pool, 'unverified@example.com'), failsWith('InvalidParameter'));
    await assert.rejects(h.services.users.forgotPassword(h.pool, 'nobody@example.com'), failsWith('UserNotFound'));
    assert.equal(h.deps.sender.messages.length, sent);
  });
});
