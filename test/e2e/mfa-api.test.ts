/** MFA through the Cognito API, driven by the official AWS SDK; TOTP codes come from an independent otplib. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdminDisableUserCommand, AdminGetUserCommand, AdminSetUserMFAPreferenceCommand, AssociateSoftwareTokenCommand, CognitoIdentityProviderClient, CreateUserPoolCommand,
  ConfirmSignUpCommand, GetUserCommand, GetUserPoolMfaConfigCommand, InitiateAuthCommand, RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand, SetUserPoolMfaConfigCommand, SignUpCommand, VerifySoftwareTokenCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { manualClock, type TestServer } from '../helpers/server.js';
import { errorName } from '../helpers/errors.js';
import { serverWithSdk } from '../helpers/sdk.js';

describe('MFA through the Cognito API (AWS SDK v3)', () => {
  const clock = manualClock();
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  let clientId: string;
  let phoneCounter = 0;
  const totpAt = (secret: string, ms = clock.now()) => generate({ secret, epoch: Math.floor(ms / 1000) });

  serverWithSdk((server, client) => {
    t = server;
    sdk = client;
    clientId = t.clients.public.id;
  }, { clock });

  const setPoolMfa = (mode: 'OFF' | 'ON' | 'OPTIONAL', sms = true) => sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: t.poolId, MfaConfiguration: mode, SoftwareTokenMfaConfiguration: { Enabled: true },
    ...(sms ? { SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your OpenPool code is {####}' } } : {}),
  }));

  async function confirmedUser(prefix: string, phone = true) {
    const email = uniqueEmail(prefix);
    const phoneNumber = `+1555${String(1_000_000 + ++phoneCounter).slice(1)}`;
    const before = t.mail.messages.length;
    await sdk.send(new SignUpCommand({
      ClientId: clientId, Username: email, Password: STRONG_PASSWORD,
      UserAttributes: phone ? [{ Name: 'phone_number', Value: phoneNumber }] : [],
    }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: await t.mail.codeFor(email, { after: before }) }));
    return { email, phoneNumber };
  }

  const signIn = (email: string): Promise<InitiateAuthCommandOutput> =>
    sdk.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } }));

  const answer = (email: string, name: string, session: string | undefined, responses: Record<string, string>) =>
    sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: name as 'SMS_MFA', Session: session, ChallengeResponses: { USERNAME: email, ...responses } }));

  /** A user with a verified authenticator app; returns its secret. */
  async function withAuthenticator(email: string): Promise<string> {
    const tokens = (await signIn(email)).AuthenticationResult!;
    const { SecretCode } = await sdk.send(new AssociateSoftwareTokenCommand({ AccessToken: tokens.AccessToken }));
    await sdk.send(new VerifySoftwareTokenCommand({ AccessToken: tokens.AccessToken, UserCode: await totpAt(SecretCode!) }));
    clock.advance(30_000);
    return SecretCode!;
  }

  it('sets and reads the pool MFA configuration; ON/OPTIONAL without a factor is refused', async () => {
    const set = await setPoolMfa('OPTIONAL');
    assert.equal(set.MfaConfiguration, 'OPTIONAL');
    const got = await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: t.poolId }));
    assert.equal(got.MfaConfiguration, 'OPTIONAL');
    assert.equal(got.SoftwareTokenMfaConfiguration?.Enabled, true);
    assert.equal(got.SmsMfaConfiguration?.SmsAuthenticationMessage, 'Your OpenPool code is {####}');
    await assert.rejects(
      sdk.send(new SetUserPoolMfaConfigCommand({ UserPoolId: t.poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: false } })),
      errorName('InvalidParameterException'),
    );
    assert.equal((await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: t.poolId }))).MfaConfiguration, 'OPTIONAL', 'a refused change changes nothing');

    // A pool created with MFA required offers authenticator apps unless told otherwise.
    const created = await sdk.send(new CreateUserPoolCommand({ PoolName: 'mfa-on', MfaConfiguration: 'ON' }));
    const config = await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: created.UserPool!.Id }));
    assert.equal(config.MfaConfiguration, 'ON');
    assert.equal(config.SoftwareTokenMfaConfiguration?.Enabled, true);
    assert.equal(config.SmsMfaConfiguration, undefined);
  });

  it('associates and verifies an authenticator app; sign-in then asks for its code, once per code and once per session', async () => {
    await setPoolMfa('OPTIONAL');
    const { email } = await confirmedUser('totp');
    const first = await signIn(email);
    assert.deepEqual(decodeJwt(first.AuthenticationResult!.IdToken!).amr, ['pwd'], 'no MFA yet: tokens at once');
    const access = first.AuthenticationResult!.AccessToken!;

    const { SecretCode } = await sdk.send(new AssociateSoftwareTokenCommand({ AccessToken: access }));
    assert.match(SecretCode!, /^[A-Z2-7]{32}$/);
    await assert.rejects(sdk.send(new VerifySoftwareTokenCommand({ AccessToken: access, UserCode: '000000' })), errorName('EnableSoftwareTokenMFAException'));
    assert.deepEqual((await sdk.send(new GetUserCommand({ AccessToken: access }))).UserMFASettingList, [], 'a wrong code turns nothing on');
    const verified = await sdk.send(new VerifySoftwareTokenCommand({ AccessToken: access, UserCode: await totpAt(SecretCode!), FriendlyDeviceName: 'phone' }));
    assert.equal(verified.Status, 'SUCCESS');
    assert.deepEqual((await sdk.send(new GetUserCommand({ AccessToken: access }))).UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);
    clock.advance(30_000);

    const challenged = await signIn(email);
    assert.equal(challenged.ChallengeName, 'SOFTWARE_TOKEN_MFA');
    assert.equal(challenged.AuthenticationResult, undefined);
    assert.ok(challenged.Session && challenged.Session.length >= 20);
    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', challenged.Session, { SOFTWARE_TOKEN_MFA_CODE: '123456' }), errorName('CodeMismatchException'));
    const code = await totpAt(SecretCode!);
    const done = await answer(email, 'SOFTWARE_TOKEN_MFA', challenged.Session, { SOFTWARE_TOKEN_MFA_CODE: code });
    const id = decodeJwt(done.AuthenticationResult!.IdToken!);
    assert.deepEqual(id.amr, ['pwd', 'mfa', 'otp']);
    assert.ok(done.AuthenticationResult!.RefreshToken);

    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', challenged.Session, { SOFTWARE_TOKEN_MFA_CODE: code }),
      errorName('NotAuthorizedException', /session/), 'a session answers once');
    const again = await signIn(email);
    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', again.Session, { SOFTWARE_TOKEN_MFA_CODE: code }),
      errorName('CodeMismatchException'), 'a TOTP code is accepted once');
    clock.advance(30_000);
    const ok = await answer(email, 'SOFTWARE_TOKEN_MFA', again.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(SecretCode!) });
    assert.ok(ok.AuthenticationResult?.AccessToken, 'the next time step\'s code works on the same (unanswered) session');
  });

  it('accepts a code from one step either side, and no further', async () => {
    await setPoolMfa('OPTIONAL');
    const { email } = await confirmedUser('skew');
    const secret = await withAuthenticator(email);
    const early = await signIn(email);
    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', early.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret, clock.now() + 90_000) }), errorName('CodeMismatchException'));
    const ok = await answer(email, 'SOFTWARE_TOKEN_MFA', early.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret, clock.now() + 30_000) });
    assert.ok(ok.AuthenticationResult);
  });

  it('a challenge session expires after 3 minutes', async () => {
    await setPoolMfa('OPTIONAL');
    const { email } = await confirmedUser('expiry');
    const secret = await withAuthenticator(email);
    const challenged = await signIn(email);
    clock.advance(3 * 60_000 + 1000);
    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', challenged.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret) }),
      errorName('NotAuthorizedException', /session is expired/));
  });

  it('with SMS and TOTP on and no preference, asks to choose; SMS codes arrive through the SMS webhook', async () => {
    await setPoolMfa('OPTIONAL');
    const { email, phoneNumber } = await confirmedUser('select');
    const secret = await withAuthenticator(email);
    const challenged = await signIn(email);
    const tokens = (await answer(email, 'SOFTWARE_TOKEN_MFA', challenged.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret) })).AuthenticationResult!;
    await sdk.send(new SetUserMFAPreferenceCommand({ AccessToken: tokens.AccessToken, SMSMfaSettings: { Enabled: true } }));
    const me = await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
    assert.deepEqual([...me.UserMFASettingList!].sort(), ['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    assert.equal(me.PreferredMfaSetting, undefined);

    const select = await signIn(email);
    assert.equal(select.ChallengeName, 'SELECT_MFA_TYPE');
    assert.deepEqual(JSON.parse(select.ChallengeParameters!.MFAS_CAN_CHOOSE!).sort(), ['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    await assert.rejects(answer(email, 'SELECT_MFA_TYPE', select.Session, { ANSWER: 'EMAIL_OTP' }), errorName('InvalidParameterException'));
    const before = t.sms.messages.length;
    const sms = await answer(email, 'SELECT_MFA_TYPE', select.Session, { ANSWER: 'SMS_MFA' });
    assert.equal(sms.ChallengeName, 'SMS_MFA');
    assert.equal(sms.ChallengeParameters?.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
    assert.equal(sms.ChallengeParameters?.CODE_DELIVERY_DESTINATION, `+${'*'.repeat(phoneNumber.length - 5)}${phoneNumber.slice(-4)}`);
    const text = t.sms.messages.slice(before).find((m) => m.phone_number === phoneNumber)!;
    assert.match(text.message, /^Your OpenPool code is \d{6}$/);
    assert.equal(text.pool_id, t.poolId);
    assert.equal(text.username, decodeJwt(tokens.IdToken!)['cognito:username']);
    await assert.rejects(answer(email, 'SELECT_MFA_TYPE', select.Session, { ANSWER: 'SMS_MFA' }), errorName('NotAuthorizedException'), 'the select session was used');
    const done = await answer(email, 'SMS_MFA', sms.Session, { SMS_MFA_CODE: t.sms.codeFor(phoneNumber, before) });
    assert.deepEqual(decodeJwt(done.AuthenticationResult!.IdToken!).amr, ['pwd', 'mfa', 'sms']);
    assert.ok(!t.logs.join('').includes(t.sms.codeFor(phoneNumber, before)), 'the SMS code is not logged when a webhook is set');

    await sdk.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: t.poolId, Username: email, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    const admin = await sdk.send(new AdminGetUserCommand({ UserPoolId: t.poolId, Username: email }));
    assert.equal(admin.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');
    assert.deepEqual(admin.MFAOptions, [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }]);
    assert.equal((await signIn(email)).ChallengeName, 'SOFTWARE_TOKEN_MFA', 'the preferred factor is asked for directly');
  });


  it('refuses preferences the pool or the user cannot support', async () => {
    await setPoolMfa('OPTIONAL', false);
    const { email } = await confirmedUser('prefs', false);
    const tokens = (await signIn(email)).AuthenticationResult!;
    await assert.rejects(sdk.send(new SetUserMFAPreferenceCommand({ AccessToken: tokens.AccessToken, SMSMfaSettings: { Enabled: true } })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new SetUserMFAPreferenceCommand({ AccessToken: tokens.AccessToken, SoftwareTokenMfaSettings: { Enabled: true } })), errorName('SoftwareTokenMFANotFoundException'));
    assert.deepEqual((await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).UserMFASettingList, []);
  });

  it('MFA ON: a user without a factor sets up an authenticator app through MFA_SETUP, with single-use sessions', async () => {
    await setPoolMfa('ON', false);
    const { email } = await confirmedUser('setup', false);
    const setup = await signIn(email);
    assert.equal(setup.ChallengeName, 'MFA_SETUP');
    assert.deepEqual(JSON.parse(setup.ChallengeParameters!.MFAS_CAN_SETUP!), ['SOFTWARE_TOKEN_MFA']);
    await assert.rejects(answer(email, 'MFA_SETUP', setup.Session, {}), errorName('InvalidParameterException'), 'not before verifying');

    const associated = await sdk.send(new AssociateSoftwareTokenCommand({ Session: setup.Session }));
    assert.match(associated.SecretCode!, /^[A-Z2-7]{32}$/);
    assert.ok(associated.Session && associated.Session !== setup.Session);
    await assert.rejects(sdk.send(new AssociateSoftwareTokenCommand({ Session: setup.Session })), errorName('NotAuthorizedException'), 'the first session was used');
    await assert.rejects(sdk.send(new VerifySoftwareTokenCommand({ Session: associated.Session, UserCode: '000000' })), errorName('EnableSoftwareTokenMFAException'));
    const verified = await sdk.send(new VerifySoftwareTokenCommand({ Session: associated.Session, UserCode: await totpAt(associated.SecretCode!) }));
    assert.equal(verified.Status, 'SUCCESS');
    const done = await answer(email, 'MFA_SETUP', verified.Session, {});
    assert.deepEqual(decodeJwt(done.AuthenticationResult!.IdToken!).amr, ['pwd', 'mfa', 'otp']);
    await assert.rejects(answer(email, 'MFA_SETUP', verified.Session, {}), errorName('NotAuthorizedException'), 'answered once');

    clock.advance(30_000);
    const next = await signIn(email);
    assert.equal(next.ChallengeName, 'SOFTWARE_TOKEN_MFA', 'from now on the app is asked for');
    await setPoolMfa('OPTIONAL');
  });

  it('wrong MFA codes lock the user out like wrong passwords, and the lockout ends by itself', async () => {
    await setPoolMfa('OPTIONAL');
    const { email } = await confirmedUser('lockout');
    const secret = await withAuthenticator(email);
    for (let i = 0; i < 6; i++) {
      const c = await signIn(email);
      await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', c.Session, { SOFTWARE_TOKEN_MFA_CODE: '000000' }), errorName('CodeMismatchException'));
    }
    const locked = await signIn(email).catch((e: Error) => e);
    assert.ok(locked instanceof Error && /attempts exceeded/.test(locked.message), 'a locked user is refused even with the right password');
    clock.advance(3000);
    const c = await signIn(email);
    const ok = await answer(email, 'SOFTWARE_TOKEN_MFA', c.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret) });
    assert.ok(ok.AuthenticationResult);
  });

  it('a user disabled between the password and the code is not signed in', async () => {
    await setPoolMfa('OPTIONAL');
    const { email } = await confirmedUser('disabled');
    const secret = await withAuthenticator(email);
    const challenged = await signIn(email);
    await sdk.send(new AdminDisableUserCommand({ UserPoolId: t.poolId, Username: email }));
    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', challenged.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret) }), errorName('NotAuthorizedException'));
  });

  it('a session allows three wrong codes, then it is used up', async () => {
    await setPoolMfa('OPTIONAL');
    const { email } = await confirmedUser('session-failures');
    const secret = await withAuthenticator(email);
    const c = await signIn(email);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', c.Session, { SOFTWARE_TOKEN_MFA_CODE: '000000' }), errorName('CodeMismatchException'));
    }
    await assert.rejects(answer(email, 'SOFTWARE_TOKEN_MFA', c.Session, { SOFTWARE_TOKEN_MFA_CODE: await totpAt(secret) }), errorName('NotAuthorizedException', /session/));
  });
});
