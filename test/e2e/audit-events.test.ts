import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AdminListUserAuthEventsCommand, AdminUserGlobalSignOutCommand, ChangePasswordCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand,
  AssociateSoftwareTokenCommand, ConfirmSignUpCommand, ForgotPasswordCommand, RespondToAuthChallengeCommand, VerifySoftwareTokenCommand, GlobalSignOutCommand, InitiateAuthCommand, paginateAdminListUserAuthEvents, RevokeTokenCommand,
  SignUpCommand, type AuthEventType,
} from '@aws-sdk/client-cognito-identity-provider';
import { generate } from 'otplib';
import { signUpThroughPages, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { errorName } from '../helpers/errors.js';
import { sdkClient } from '../helpers/sdk.js';

const USER_AGENT = 'openpool-audit-e2e/1.0 (user calls)';
const FETCH_AGENT = 'openpool-audit-e2e/1.0 (oauth2 endpoints)';
const RESET_PASSWORD = 'Reset-Horse-9-Battery';
const CHANGED_PASSWORD = 'Changed-Horse-9-Battery';

describe('the audit trail over real sockets (AdminListUserAuthEvents through the AWS SDK)', () => {
  let t: TestServer;
  let user: CognitoIdentityProviderClient;
  let admin: CognitoIdentityProviderClient;
  const email = uniqueEmail('audit');
  /** Every secret the flow handles: none may reach the log. */
  const secrets: string[] = [STRONG_PASSWORD, RESET_PASSWORD, CHANGED_PASSWORD];
  /** What the flow did, oldest first: [EventType, EventResponse, DeviceName]. */
  const expected: [string, string, string][] = [];
  let sub = '';

  before(async () => {
    t = await startTestServer();
    user = sdkClient(t.url, { accessKeyId: 'unused', secretAccessKey: 'unused' });
    // The SDK builds its own User-Agent; pin it so the test knows exactly what was sent.
    user.middlewareStack.add((next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['user-agent'] = USER_AGENT;
      return next(args);
    }, { step: 'finalizeRequest', name: 'pinUserAgent' });
    admin = sdkClient(t.url);
  });
  after(async () => {
    user.destroy();
    admin.destroy();
    await t.close();
  });

  const clientId = () => t.clients.public.id;
  const signIn = async (password: string) => {
    const out = await user.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
    const result = out.AuthenticationResult!;
    secrets.push(result.AccessToken!, result.IdToken!, result.RefreshToken!);
    return result;
  };
  const oauth2 = (path: string, form: Record<string, string>) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': FETCH_AGENT }, body: new URLSearchParams(form).toString() });

  /** The user's events through the API, newest first, without sign-ins (another part of the trail). */
  async function listed(): Promise<AuthEventType[]> {
    const events: AuthEventType[] = [];
    for await (const page of paginateAdminListUserAuthEvents({ client: admin }, { UserPoolId: t.poolId, Username: email })) events.push(...(page.AuthEvents ?? []));
    return events.filter((e) => e.EventType !== 'SignIn');
  }

  it('records sign-up, confirmation, password reset and change, refresh, revocation and global sign-out, each with IP and user agent', async () => {
    let mark = t.mail.messages.length;
    sub = (await user.send(new SignUpCommand({ ClientId: clientId(), Username: email, Password: STRONG_PASSWORD }))).UserSub!;
    expected.push(['SignUp', 'Pass', USER_AGENT]);
    const code = await t.mail.codeFor(email, { after: mark });
    secrets.push(code);
    await assert.rejects(user.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: email, ConfirmationCode: code === '000000' ? '111111' : '000000' })), errorName('CodeMismatchException'));
    expected.push(['ConfirmSignUp', 'Fail', USER_AGENT]);
    await user.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: email, ConfirmationCode: code }));
    expected.push(['ConfirmSignUp', 'Pass', USER_AGENT]);

    mark = t.mail.messages.length;
    await user.send(new ForgotPasswordCommand({ ClientId: clientId(), Username: email }));
    expected.push(['ForgotPassword', 'Pass', USER_AGENT]);
    const resetCode = await t.mail.codeFor(email, { after: mark });
    secrets.push(resetCode);
    await user.send(new ConfirmForgotPasswordCommand({ ClientId: clientId(), Username: email, ConfirmationCode: resetCode, Password: RESET_PASSWORD }));
    expected.push(['ConfirmForgotPassword', 'Pass', USER_AGENT]);

    const first = await signIn(RESET_PASSWORD);
    await assert.rejects(user.send(new ChangePasswordCommand({ AccessToken: first.AccessToken, PreviousPassword: 'Wrong-Horse-9-Battery', ProposedPassword: CHANGED_PASSWORD })), errorName('NotAuthorizedException'));
    expected.push(['PasswordChange', 'Fail', USER_AGENT]);
    await user.send(new ChangePasswordCommand({ AccessToken: first.AccessToken, PreviousPassword: RESET_PASSWORD, ProposedPassword: CHANGED_PASSWORD }));
    expected.push(['PasswordChange', 'Pass', USER_AGENT]);

    await user.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: first.RefreshToken! } }));
    expected.push(['TokenRefresh', 'Pass', USER_AGENT]);
    const refreshed = await oauth2('/oauth2/token', { grant_type: 'refresh_token', client_id: clientId(), refresh_token: first.RefreshToken! });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    const body = (await refreshed.json()) as { access_token: string; id_token: string };
    secrets.push(body.access_token, body.id_token);
    expected.push(['TokenRefresh', 'Pass', FETCH_AGENT]);

    await user.send(new RevokeTokenCommand({ ClientId: clientId(), Token: first.RefreshToken! }));
    expected.push(['TokenRevocation', 'Pass', USER_AGENT]);
    const revokedRefresh = await oauth2('/oauth2/token', { grant_type: 'refresh_token', client_id: clientId(), refresh_token: first.RefreshToken! });
    assert.equal(revokedRefresh.status, 400);
    expected.push(['TokenRefresh', 'Fail', FETCH_AGENT]);
    const second = await signIn(CHANGED_PASSWORD);
    const revoked = await oauth2('/oauth2/revoke', { token: second.RefreshToken!, client_id: clientId() });
    assert.equal(revoked.status, 200);
    expected.push(['TokenRevocation', 'Pass', FETCH_AGENT]);

    const third = await signIn(CHANGED_PASSWORD); // revoking ended the second sign-in's access token too
    await user.send(new GlobalSignOutCommand({ AccessToken: third.AccessToken }));
    expected.push(['GlobalSignOut', 'Pass', USER_AGENT]);

    const events = await listed();
    assert.deepEqual(events.map((e) => [e.EventType, e.EventResponse, e.EventContextData?.DeviceName]), [...expected].reverse());
    for (const e of events) {
      assert.equal(e.EventContextData?.IpAddress, '127.0.0.1');
      assert.match(e.EventId ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(e.CreationDate instanceof Date && Math.abs(e.CreationDate.getTime() - Date.now()) < 120_000, 'CreationDate is a timestamp the SDK parses');
      assert.deepEqual(e.EventRisk, { RiskDecision: 'NoRisk', CompromisedCredentialsDetected: false });
      assert.deepEqual(e.ChallengeResponses, []);
    }
    assert.equal(new Set(events.map((e) => e.EventId)).size, events.length);
  });

  it('an admin global sign-out is recorded too, without the admin\'s user agent being the user\'s', async () => {
    await admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: t.poolId, Username: email }));
    const [latest] = await listed();
    assert.equal(latest?.EventType, 'GlobalSignOut');
    assert.equal(latest?.EventResponse, 'Pass');
    assert.match(latest?.EventContextData?.DeviceName ?? '', /aws-sdk-js/);
    expected.push(['GlobalSignOut', 'Pass', latest!.EventContextData!.DeviceName!]);
  });

  it('pages with MaxResults and NextToken, newest first, and no event twice', async () => {
    const all = await listed();
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await admin.send(new AdminListUserAuthEventsCommand({ UserPoolId: t.poolId, Username: email, MaxResults: 3, NextToken: token }));
      assert.ok((page.AuthEvents ?? []).length <= 3);
      ids.push(...(page.AuthEvents ?? []).filter((e) => e.EventType !== 'SignIn').map((e) => e.EventId!));
      token = page.NextToken;
      pages += 1;
    } while (token && pages < 50);
    assert.equal(token, undefined);
    assert.deepEqual(ids, all.map((e) => e.EventId));
    assert.ok(pages >= Math.ceil(all.length / 3));
  });

  it('answers UserNotFoundException for an unknown user and ResourceNotFoundException for an unknown pool', async () => {
    await assert.rejects(admin.send(new AdminListUserAuthEventsCommand({ UserPoolId: t.poolId, Username: 'nobody@example.com' })), errorName('UserNotFoundException'));
    await assert.rejects(admin.send(new AdminListUserAuthEventsCommand({ UserPoolId: 'us-east-1_Nope0000', Username: email })), errorName('ResourceNotFoundException'));
    await assert.rejects(user.send(new AdminListUserAuthEventsCommand({ UserPoolId: t.poolId, Username: email })), errorName('UnrecognizedClientException'), 'admin only: an unknown key is refused');
  });

  it('hosted pages record the same events, with the browser\'s address', async () => {
    const web = new WebClient(t.url);
    const pageUser = uniqueEmail('audit-pages');
    await signUpThroughPages(t, web, { response_type: 'code', client_id: clientId(), redirect_uri: 'http://localhost:3000/callback', scope: 'openid' }, pageUser);
    const page = await admin.send(new AdminListUserAuthEventsCommand({ UserPoolId: t.poolId, Username: pageUser }));
    const events = (page.AuthEvents ?? []).filter((e) => e.EventType !== 'SignIn');
    assert.deepEqual(events.map((e) => [e.EventType, e.EventResponse, e.EventContextData?.IpAddress]), [
      ['ConfirmSignUp', 'Pass', '127.0.0.1'],
      ['SignUp', 'Pass', '127.0.0.1'],
    ]);
  });

  it('records sign-ins with their factors: a wrong password, a right one, and MFA with a wrong then a right code; and the MFA change', async () => {
    const who = uniqueEmail('audit-signin');
    const before = t.mail.messages.length;
    await user.send(new SignUpCommand({ ClientId: clientId(), Username: who, Password: STRONG_PASSWORD }));
    await user.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: who, ConfirmationCode: await t.mail.codeFor(who, { after: before }) }));
    const auth = (password: string) => user.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: who, PASSWORD: password } }));
    await assert.rejects(auth('Wrong-Horse-9-Battery'), errorName('NotAuthorizedException'));
    const access = (await auth(STRONG_PASSWORD)).AuthenticationResult!.AccessToken!;

    await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OPTIONAL', softwareTokenEnabled: true, sms: null });
    try {
      const { SecretCode } = await user.send(new AssociateSoftwareTokenCommand({ AccessToken: access }));
      const now = Math.floor(Date.now() / 1000);
      await user.send(new VerifySoftwareTokenCommand({ AccessToken: access, UserCode: await generate({ secret: SecretCode!, epoch: now }) }));
      const challenged = await auth(STRONG_PASSWORD);
      const respond = (code: string) => user.send(new RespondToAuthChallengeCommand({
        ClientId: clientId(), ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: challenged.Session, ChallengeResponses: { USERNAME: who, SOFTWARE_TOKEN_MFA_CODE: code },
      }));
      await assert.rejects(respond('000000'), errorName('CodeMismatchException'));
      await respond(await generate({ secret: SecretCode!, epoch: now + 30 }));
    } finally {
      await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OFF', softwareTokenEnabled: true, sms: null });
    }

    const page = await admin.send(new AdminListUserAuthEventsCommand({ UserPoolId: t.poolId, Username: who }));
    const trail = (page.AuthEvents ?? []).filter((e) => e.EventType === 'SignIn' || e.EventType === ('MfaChange' as string)).reverse();
    const challenges = (e: AuthEventType) => (e.ChallengeResponses ?? []).map((c) => `${c.ChallengeName}:${c.ChallengeResponse}`).join(',');
    assert.deepEqual(trail.map((e) => [e.EventType, e.EventResponse, challenges(e)]), [
      ['SignIn', 'Fail', 'Password:Failure'],
      ['SignIn', 'Pass', 'Password:Success'],
      ['MfaChange', 'Pass', ''],
      ['SignIn', 'Fail', 'Password:Success,Mfa:Failure'],
      ['SignIn', 'Pass', 'Password:Success,Mfa:Success'],
    ]);
    assert.ok(trail.every((e) => e.EventContextData?.IpAddress === '127.0.0.1' && e.EventContextData.DeviceName === USER_AGENT));
  });

  it('writes each event to the log as one authEvent object, and no password, code or token', () => {
    const lines = t.logs.flatMap((chunk) => chunk.split('\n')).filter((l) => l.trim() !== '');
    const auditLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.authEvent);
    const mine = auditLines.map((r) => r.authEvent as Record<string, unknown>).filter((e) => e.userId === sub && e.type !== 'SignIn');
    assert.equal(mine.length, expected.length, 'one authEvent line per event');
    const change = mine.find((e) => e.type === 'PasswordChange' && e.outcome === 'Fail')!;
    assert.equal(change.reason, 'NotAuthorized');
    assert.equal(change.poolId, t.poolId);
    assert.equal(change.clientId, clientId());
    assert.equal(change.ip, '127.0.0.1');
    assert.equal(change.userAgent, USER_AGENT);
    assert.equal(typeof change.id, 'string');
    assert.equal(typeof change.createdAt, 'number');
    assert.equal(typeof change.userId, 'string');
    for (const secret of secrets) {
      assert.ok(secret.length >= 6);
      assert.equal(lines.some((l) => l.includes(secret)), false, `a secret reached the log: ${secret.slice(0, 12)}…`);
    }
  });
});
