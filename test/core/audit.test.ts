import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { audited } from '../../src/core/audit/record.js';
import type { Client } from '../../src/core/model.js';
import type { AuthEventInput, AuthEventType } from '../../src/core/ports.js';
import { AppError } from '../../src/errors/app-error.js';
import { codeIn, emailPoolConfig, harness, recordingAudit, STRONG_PASSWORD, type Harness } from './fixtures.js';

const NEW_PASSWORD = 'An0ther-Horse!';
const failsWith = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

describe('audited', () => {
  const base = { type: 'SignUp' as const, poolId: 'us-east-1_Test1', username: 'alice' };

  it('records Pass with what the flow learned, and returns its result', async () => {
    const audit = recordingAudit();
    const result = await audited({ audit }, base, async (event) => { event.userId = 'sub-1'; return 42; });
    assert.equal(result, 42);
    assert.deepEqual(audit.events, [{ ...base, userId: 'sub-1', outcome: 'Pass' }]);
  });

  it('records Fail with the AppError code and rethrows; anything else is Internal', async () => {
    const audit = recordingAudit();
    await assert.rejects(audited({ audit }, base, async () => { throw new AppError('CodeMismatch', 'no'); }), failsWith('CodeMismatch'));
    await assert.rejects(audited({ audit }, base, async () => { throw new TypeError('bug'); }), TypeError);
    assert.deepEqual(audit.events.map((e) => [e.outcome, e.reason]), [['Fail', 'CodeMismatch'], ['Fail', 'Internal']]);
  });

  it('a trail that throws does not change the outcome of the flow', async () => {
    const audit = { async record() { throw new Error('trail down'); } };
    assert.equal(await audited({ audit }, base, async () => 'ok'), 'ok');
    await assert.rejects(audited({ audit }, base, async () => { throw new AppError('NotAuthorized', 'no'); }), failsWith('NotAuthorized'));
  });
});

describe('audited use cases', () => {
  let h: Harness;
  let app: Client;

  before(async () => {
    h = await harness(emailPoolConfig({
      Clients: [{
        ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: ['https://app.example.com/cb'],
      }],
      Users: [{ Username: 'temp@example.com', TemporaryPassword: 'Temp-Horse-1!' }],
    }));
    app = h.clients.app!;
  });
  after(() => h.close());

  /** The events of one type recorded since `mark` (sign-in events, recorded elsewhere, are left out). */
  const since = (mark: number, type?: AuthEventType): AuthEventInput[] =>
    h.deps.audit.events.slice(mark).filter((e) => e.type !== 'SignIn' && (type === undefined || e.type === type));
  const mark = () => h.deps.audit.events.length;

  async function confirmedUser(email = `${randomUUID().slice(0, 8)}@example.com`) {
    const { user } = await h.services.users.signUp(h.pool, { username: email, password: STRONG_PASSWORD, attributes: {} }, app.id);
    await h.services.users.confirmSignUp(h.pool, email, codeIn(h.deps.sender.messages.at(-1)), app.id);
    const signedIn = await h.services.api.passwordSignIn(h.pool, app, email, STRONG_PASSWORD);
    assert.equal(signedIn.kind, 'tokens');
    return { email, user, tokens: signedIn.kind === 'tokens' ? signedIn.tokens : assert.fail() };
  }

  it('sign-up and confirmation: Pass with user and client, Fail with the reason, an unknown name without a user', async () => {
    const m = mark();
    const { user } = await h.services.users.signUp(h.pool, { username: 'ann@example.com', password: STRONG_PASSWORD, attributes: {} }, app.id);
    const code = codeIn(h.deps.sender.messages.at(-1));
    await assert.rejects(h.services.users.signUp(h.pool, { username: 'ann@example.com', password: STRONG_PASSWORD, attributes: {} }, app.id), failsWith('UsernameExists'));
    await assert.rejects(h.services.users.confirmSignUp(h.pool, 'ann@example.com', code === '000000' ? '111111' : '000000', app.id), failsWith('CodeMismatch'));
    await assert.rejects(h.services.users.confirmSignUp(h.pool, 'nobody@example.com', code, app.id), failsWith('UserNotFound'));
    await h.services.users.resendConfirmationCode(h.pool, 'ann@example.com', app.id);
    await h.services.users.confirmSignUp(h.pool, 'ann@example.com', codeIn(h.deps.sender.messages.at(-1)), app.id);
    const pool = h.pool.id;
    assert.deepEqual(since(m), [
      { type: 'SignUp', poolId: pool, username: 'ann@example.com', clientId: app.id, userId: user.id, outcome: 'Pass' },
      { type: 'SignUp', poolId: pool, username: 'ann@example.com', clientId: app.id, outcome: 'Fail', reason: 'UsernameExists' },
      { type: 'ConfirmSignUp', poolId: pool, username: 'ann@example.com', clientId: app.id, userId: user.id, outcome: 'Fail', reason: 'CodeMismatch' },
      { type: 'ConfirmSignUp', poolId: pool, username: 'nobody@example.com', clientId: app.id, outcome: 'Fail', reason: 'UserNotFound' },
      { type: 'ResendCode', poolId: pool, username: 'ann@example.com', clientId: app.id, userId: user.id, outcome: 'Pass' },
      { type: 'ConfirmSignUp', poolId: pool, username: 'ann@example.com', clientId: app.id, userId: user.id, outcome: 'Pass' },
    ]);
  });

  it('forgot password, confirm forgot password, change password and admin set password', async () => {
    const { email, user, tokens } = await confirmedUser();
    const m = mark();
    await h.services.users.forgotPassword(h.pool, email, app.id);
    const code = codeIn(h.deps.sender.messages.at(-1));
    await assert.rejects(h.services.users.confirmForgotPassword(h.pool, email, code, 'short', app.id), failsWith('InvalidPassword'));
    await h.services.users.confirmForgotPassword(h.pool, email, code, NEW_PASSWORD, app.id);
    const fresh = await h.services.api.passwordSignIn(h.pool, app, email, NEW_PASSWORD);
    const accessToken = fresh.kind === 'tokens' ? fresh.tokens.accessToken : assert.fail();
    await assert.rejects(h.services.api.changePassword(accessToken, 'wrong-Password-1', STRONG_PASSWORD), failsWith('NotAuthorized'));
    await h.services.api.changePassword(accessToken, NEW_PASSWORD, STRONG_PASSWORD);
    await assert.rejects(h.services.api.changePassword(tokens.accessToken, STRONG_PASSWORD, NEW_PASSWORD), failsWith('NotAuthorized'), 'revoked by the reset');
    await h.services.users.adminSetPassword(h.pool, user, NEW_PASSWORD, true);

    const who = { poolId: h.pool.id, userId: user.id };
    assert.deepEqual(since(m).map((e) => [e.type, e.outcome, e.reason, e.userId, e.clientId]), [
      ['ForgotPassword', 'Pass', undefined, who.userId, app.id],
      ['ConfirmForgotPassword', 'Fail', 'InvalidPassword', who.userId, app.id],
      ['ConfirmForgotPassword', 'Pass', undefined, who.userId, app.id],
      ['PasswordChange', 'Fail', 'NotAuthorized', who.userId, app.id],
      ['PasswordChange', 'Pass', undefined, who.userId, app.id],
      ['PasswordChange', 'Fail', 'NotAuthorized', undefined, undefined],
      ['PasswordChange', 'Pass', undefined, who.userId, undefined],
    ]);
    assert.ok(since(m).every((e) => e.poolId === h.pool.id), 'a refused token is still recorded under the pool it names');
  });

  it('NEW_PASSWORD_REQUIRED is a password change of the user the session names', async () => {
    const m = mark();
    const challenge = await h.services.api.passwordSignIn(h.pool, app, 'temp@example.com', 'Temp-Horse-1!');
    assert.equal(challenge.kind, 'challenge');
    const session = challenge.kind === 'challenge' ? challenge.session : undefined;
    await assert.rejects(h.services.api.respondNewPassword(h.pool, app, session, 'short', {}), failsWith('InvalidPassword'));
    await h.services.api.respondNewPassword(h.pool, app, session, NEW_PASSWORD, {});
    const temp = await h.services.users.findBySignInName(h.pool, 'temp@example.com');
    assert.deepEqual(since(m, 'PasswordChange').map((e) => [e.outcome, e.reason, e.userId, e.clientId]), [
      ['Fail', 'InvalidPassword', temp!.id, app.id],
      ['Pass', undefined, temp!.id, app.id],
    ]);
  });

  it('token refresh on both surfaces, revocation and global sign-out', async () => {
    const { user, tokens } = await confirmedUser();
    const m = mark();
    await h.services.api.refreshTokenSignIn(h.pool, app, { refreshToken: tokens.refreshToken });
    await h.services.oauth.refresh(h.pool, app, tokens.refreshToken);
    await assert.rejects(h.services.oauth.refresh(h.pool, app, 'not-a-refresh-token'), failsWith('InvalidGrant'));
    await h.services.oauth.revoke(app, 'not-a-refresh-token'); // revokes nothing, so no event
    await h.services.oauth.revoke(app, tokens.refreshToken!);
    await assert.rejects(h.services.api.refreshTokenSignIn(h.pool, app, { refreshToken: tokens.refreshToken }), failsWith('InvalidGrant'));
    const again = await h.services.api.passwordSignIn(h.pool, app, (await h.deps.storage.users.get(h.pool.id, user.id))!.attributes.email!, STRONG_PASSWORD);
    const accessToken = again.kind === 'tokens' ? again.tokens.accessToken : assert.fail();
    await h.services.api.globalSignOut(accessToken);
    await assert.rejects(h.services.api.globalSignOut(accessToken), failsWith('NotAuthorized'));
    await h.services.users.signOutEverywhere(h.pool, user);

    assert.deepEqual(since(m).map((e) => [e.type, e.outcome, e.reason, e.userId, e.clientId]), [
      ['TokenRefresh', 'Pass', undefined, user.id, app.id],
      ['TokenRefresh', 'Pass', undefined, user.id, app.id],
      ['TokenRefresh', 'Fail', 'InvalidGrant', undefined, app.id],
      ['TokenRevocation', 'Pass', undefined, user.id, app.id],
      ['TokenRefresh', 'Fail', 'InvalidGrant', user.id, app.id],
      ['GlobalSignOut', 'Pass', undefined, user.id, app.id],
      ['GlobalSignOut', 'Fail', 'NotAuthorized', undefined, undefined],
      ['GlobalSignOut', 'Pass', undefined, user.id, undefined],
    ]);
  });

  it('lists a user\'s stored events newest first, 60 a page when MaxResults is 0 or absent', async () => {
    const { user } = await confirmedUser();
    for (let i = 0; i < 65; i++) {
      await h.deps.storage.authEvents.append({
        id: randomUUID(), poolId: h.pool.id, userId: user.id, type: 'TokenRefresh', outcome: 'Pass', challenges: [], createdAt: 1_000 + i,
      });
    }
    const first = await h.services.admin.listUserAuthEvents(user, { maxResults: 0 });
    assert.equal(first.events.length, 60);
    assert.equal(first.events[0]!.createdAt, 1_064);
    assert.ok(first.nextToken);
    const rest = await h.services.admin.listUserAuthEvents(user, { nextToken: first.nextToken });
    assert.deepEqual(rest.events.map((e) => e.createdAt), [1_004, 1_003, 1_002, 1_001, 1_000]);
    assert.equal(rest.nextToken, undefined);
    assert.equal((await h.services.admin.listUserAuthEvents(user, { maxResults: 2 })).events.length, 2);
    await assert.rejects(h.services.admin.listUserAuthEvents(user, { nextToken: 'not a token!' }), failsWith('InvalidParameter'));
  });
});
