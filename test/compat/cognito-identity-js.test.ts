import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { callbackParams, signInThroughPages, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Cognito = require('amazon-cognito-identity-js') as typeof import('amazon-cognito-identity-js');

type Session = import('amazon-cognito-identity-js').CognitoUserSession;

/** amazon-cognito-identity-js signs in with SRP by default: what Amplify v5 and many apps use. */
describe('amazon-cognito-identity-js against OpenPool', () => {
  let t: TestServer;
  let pool: import('amazon-cognito-identity-js').CognitoUserPool;
  before(async () => {
    t = await startTestServer();
    pool = new Cognito.CognitoUserPool({ UserPoolId: t.poolId, ClientId: t.clients.public.id, endpoint: t.url });
  });
  after(async () => t.close());

  const signUp = (email: string, password: string) =>
    new Promise<import('amazon-cognito-identity-js').ISignUpResult>((resolve, reject) =>
      pool.signUp(email, password, [new Cognito.CognitoUserAttribute({ Name: 'email', Value: email })], [], (err, result) => (err ? reject(err) : resolve(result!))));

  const authenticate = (user: import('amazon-cognito-identity-js').CognitoUser, email: string, password: string) =>
    new Promise<Session>((resolve, reject) =>
      user.authenticateUser(new Cognito.AuthenticationDetails({ Username: email, Password: password }), {
        onSuccess: resolve,
        onFailure: reject,
        newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
      }));

  it('signs up, confirms with the emailed code, signs in with SRP, refreshes, changes the password and signs out', async () => {
    const email = uniqueEmail('cij');
    const before = t.mail.messages.length;
    const result = await signUp(email, STRONG_PASSWORD);
    assert.equal(result.userConfirmed, false);
    const user = result.user;
    const code = await t.mail.codeFor(email, { after: before });
    await new Promise<void>((resolve, reject) => user.confirmRegistration(code, true, (err) => (err ? reject(err) : resolve())));

    const session = await authenticate(new Cognito.CognitoUser({ Username: email, Pool: pool }), email, STRONG_PASSWORD);
    assert.ok(session.isValid());
    const id = decodeJwt(session.getIdToken().getJwtToken());
    assert.equal(id.email, email);
    assert.equal(id.iss, t.issuer);

    const wrong = new Cognito.CognitoUser({ Username: email, Pool: pool });
    await assert.rejects(authenticate(wrong, email, 'Wrong-Passw0rd!'), (e: Error & { code?: string }) => e.code === 'NotAuthorizedException' || e.name === 'NotAuthorizedException');
    const ghost = new Cognito.CognitoUser({ Username: 'ghost@example.com', Pool: pool });
    await assert.rejects(authenticate(ghost, 'ghost@example.com', STRONG_PASSWORD), (e: Error & { code?: string }) => (e.code ?? e.name) === 'NotAuthorizedException');

    const signedIn = new Cognito.CognitoUser({ Username: email, Pool: pool });
    const s2 = await authenticate(signedIn, email, STRONG_PASSWORD);
    const refreshed = await new Promise<Session>((resolve, reject) => signedIn.refreshSession(s2.getRefreshToken(), (err: Error | null, s: Session) => (err ? reject(err) : resolve(s))));
    assert.equal(decodeJwt(refreshed.getIdToken().getJwtToken()).origin_jti, decodeJwt(s2.getIdToken().getJwtToken()).origin_jti);

    await new Promise<void>((resolve, reject) => signedIn.changePassword(STRONG_PASSWORD, 'Changed-Passw0rd-9', (err) => (err ? reject(err) : resolve())));
    const again = await authenticate(new Cognito.CognitoUser({ Username: email, Pool: pool }), email, 'Changed-Passw0rd-9');
    assert.ok(again.isValid(), 'SRP works with the new password: the verifier was replaced');
    const web = new WebClient(t.url);
    const hosted = await signInThroughPages(web, { response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' }, email, 'Changed-Passw0rd-9');
    assert.ok(callbackParams(hosted.location).get('code'), 'and the hosted pages agree');

    await new Promise<void>((resolve, reject) => signedIn.globalSignOut({ onSuccess: () => resolve(), onFailure: reject }));
    const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${s2.getAccessToken().getJwtToken()}` } });
    assert.equal(info.status, 401);
  });

  it('a user made on the hosted pages before any SRP sign-in can use SRP straight away', async () => {
    const web = new WebClient(t.url);
    const { signUpThroughPages } = await import('../helpers/flows.js');
    const email = uniqueEmail('cij-hosted');
    await signUpThroughPages(t, web, { response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' }, email);
    const session = await authenticate(new Cognito.CognitoUser({ Username: email, Pool: pool }), email, STRONG_PASSWORD);
    assert.equal(decodeJwt(session.getAccessToken().getJwtToken()).scope, 'aws.cognito.signin.user.admin');
  });

  it('MFA ON: mfaSetup → associateSecretCode → verifySoftwareToken signs in; the next sign-in is totpRequired → sendMFACode (SRP throughout)', async () => {
    await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'ON', softwareTokenEnabled: true, sms: null });
    try {
      const email = uniqueEmail('cij-mfa');
      const before = t.mail.messages.length;
      const { user: registered } = await signUp(email, STRONG_PASSWORD);
      const code = await t.mail.codeFor(email, { after: before });
      await new Promise<void>((resolve, reject) => registered.confirmRegistration(code, true, (err) => (err ? reject(err) : resolve())));
      const totp = (secret: string, offsetMs = 0) => generate({ secret, epoch: Math.floor((Date.now() + offsetMs) / 1000) });

      let secret = '';
      const user = new Cognito.CognitoUser({ Username: email, Pool: pool });
      const first = await new Promise<Session>((resolve, reject) => {
        user.authenticateUser(new Cognito.AuthenticationDetails({ Username: email, Password: STRONG_PASSWORD }), {
          onSuccess: resolve,
          onFailure: reject,
          mfaSetup: () => user.associateSoftwareToken({
            associateSecretCode: (secretCode: string) => {
              secret = secretCode;
              void totp(secretCode).then((c) => user.verifySoftwareToken(c, 'phone', { onSuccess: resolve, onFailure: reject }));
            },
            onFailure: reject,
          }),
        });
      });
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.deepEqual(decodeJwt(first.getIdToken().getJwtToken()).amr, ['pwd', 'mfa', 'otp']);

      const again = new Cognito.CognitoUser({ Username: email, Pool: pool });
      const nextCode = await totp(secret, 30_000);
      const second = await new Promise<Session>((resolve, reject) => {
        again.authenticateUser(new Cognito.AuthenticationDetails({ Username: email, Password: STRONG_PASSWORD }), {
          onSuccess: resolve,
          onFailure: reject,
          totpRequired: () => again.sendMFACode(nextCode, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA'),
        });
      });
      assert.deepEqual(decodeJwt(second.getIdToken().getJwtToken()).amr, ['pwd', 'mfa', 'otp']);
    } finally {
      await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OFF', softwareTokenEnabled: true, sms: null });
    }
  });
});
