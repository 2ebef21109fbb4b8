import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Amplify, type KeyValueStorageInterface, type ResourcesConfig } from '@aws-amplify/core';
import { cognitoUserPoolsTokenProvider } from '@aws-amplify/auth/cognito';
import {
  confirmSignIn, confirmSignUp, fetchAuthSession, fetchMFAPreference, getCurrentUser, setUpTOTP, signIn, signOut, signUp, updateMFAPreference, verifyTOTPSetup,
} from '@aws-amplify/auth';
import { generate } from 'otplib';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Node has no localStorage: Amplify keeps its tokens here instead. */
class MemoryStorage implements KeyValueStorageInterface {
  readonly map = new Map<string, string>();
  async setItem(key: string, value: string) { this.map.set(key, value); }
  async getItem(key: string) { return this.map.get(key) ?? null; }
  async removeItem(key: string) { this.map.delete(key); }
  async clear() { this.map.clear(); }
}

/**
 * Amplify v6 (the modular @aws-amplify/core + @aws-amplify/auth that `aws-amplify` re-exports), configured as an
 * app would be for a real user pool, with only `userPoolEndpoint` pointing at OpenPool.
 */
describe('Amplify v6 Auth against OpenPool', () => {
  let t: TestServer;
  const storage = new MemoryStorage();
  before(async () => {
    t = await startTestServer();
    const config: ResourcesConfig = {
      Auth: { Cognito: { userPoolId: t.poolId, userPoolClientId: t.clients.public.id, userPoolEndpoint: t.url } },
    };
    // What `aws-amplify`'s Amplify.configure does on top of the core one: the Cognito token provider and its storage.
    cognitoUserPoolsTokenProvider.setAuthConfig(config.Auth!);
    cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
    Amplify.configure(config, { Auth: { tokenProvider: cognitoUserPoolsTokenProvider } });
  });
  after(async () => {
    await signOut().catch(() => undefined);
    await t.close();
  });

  const email = uniqueEmail('amplify');

  it('signs up, confirms with the emailed code, signs in with SRP, reads the session and the user, and signs out', async () => {
    const mailBefore = t.mail.messages.length;
    const up = await signUp({ username: email, password: STRONG_PASSWORD, options: { userAttributes: { email } } });
    assert.equal(up.isSignUpComplete, false);
    assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    const confirmationCode = await t.mail.codeFor(email, { after: mailBefore });
    const confirmed = await confirmSignUp({ username: email, confirmationCode });
    assert.equal(confirmed.isSignUpComplete, true);

    const signedIn = await signIn({ username: email, password: STRONG_PASSWORD });
    assert.equal(signedIn.isSignedIn, true);
    assert.equal(signedIn.nextStep.signInStep, 'DONE');

    const session = await fetchAuthSession();
    const idToken = session.tokens?.idToken;
    assert.ok(idToken, 'an ID token in the session');
    assert.ok(session.tokens?.accessToken, 'an access token in the session');
    assert.equal(idToken.payload.email, email);
    assert.equal(idToken.payload.iss, t.issuer);
    assert.equal(session.tokens.accessToken.payload.client_id, t.clients.public.id);

    const user = await getCurrentUser();
    assert.equal(user.userId, idToken.payload.sub);
    assert.equal(user.signInDetails?.loginId, email);
    assert.equal(user.signInDetails?.authFlowType, 'USER_SRP_AUTH');

    const refreshToken = [...storage.map].find(([key]) => key.endsWith('.refreshToken'))?.[1];
    assert.ok(refreshToken, 'Amplify stored a refresh token');
    await signOut();
    const refresh = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: t.clients.public.id, AuthParameters: { REFRESH_TOKEN: refreshToken } }),
    });
    assert.equal(refresh.status, 400, 'signOut revoked the refresh token (RevokeToken)');
    assert.equal(((await refresh.json()) as { __type?: string }).__type, 'NotAuthorizedException');
    const afterSignOut = await fetchAuthSession();
    assert.equal(afterSignOut.tokens, undefined, 'signOut cleared the tokens');
    await assert.rejects(getCurrentUser(), (e: Error) => e.name === 'UserUnAuthenticatedException');
  });

  it('rejects a wrong password with NotAuthorizedException and signs in with USER_PASSWORD_AUTH too', async () => {
    await assert.rejects(signIn({ username: email, password: 'Wrong-Passw0rd!' }), (e: Error) => e.name === 'NotAuthorizedException');
    await assert.rejects(
      signIn({ username: email, password: 'Wrong-Passw0rd!', options: { authFlowType: 'USER_PASSWORD_AUTH' } }),
      (e: Error) => e.name === 'NotAuthorizedException',
    );

    const signedIn = await signIn({ username: email, password: STRONG_PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
    assert.equal(signedIn.isSignedIn, true);
    const session = await fetchAuthSession();
    assert.equal(session.tokens?.idToken?.payload.email, email);
    assert.equal(session.tokens?.idToken?.payload.iss, t.issuer);
    const user = await getCurrentUser();
    assert.equal(user.signInDetails?.authFlowType, 'USER_PASSWORD_AUTH');
    await signOut();
    assert.equal((await fetchAuthSession()).tokens, undefined);
  });

  const totpNow = (secret: string, offsetMs = 0) => generate({ secret, epoch: Math.floor((Date.now() + offsetMs) / 1000) });

  async function newConfirmedUser(prefix: string): Promise<string> {
    const username = uniqueEmail(prefix);
    const mailBefore = t.mail.messages.length;
    await signUp({ username, password: STRONG_PASSWORD, options: { userAttributes: { email: username } } });
    await confirmSignUp({ username, confirmationCode: await t.mail.codeFor(username, { after: mailBefore }) });
    return username;
  }

  it('MFA OPTIONAL: setUpTOTP, verifyTOTPSetup and updateMFAPreference, then signIn asks for the TOTP code and confirmSignIn completes it', async () => {
    await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OPTIONAL', softwareTokenEnabled: true, sms: null });
    try {
      const username = await newConfirmedUser('amplify-totp');
      assert.equal((await signIn({ username, password: STRONG_PASSWORD })).isSignedIn, true);
      const setup = await setUpTOTP();
      const uri = setup.getSetupUri('OpenPool test', username);
      const secret = uri.searchParams.get('secret')!;
      assert.equal(secret, setup.sharedSecret);
      await verifyTOTPSetup({ code: await totpNow(secret) });
      await updateMFAPreference({ totp: 'PREFERRED' });
      const preference = await fetchMFAPreference();
      assert.deepEqual(preference.enabled, ['TOTP']);
      assert.equal(preference.preferred, 'TOTP');
      await signOut();

      const challenged = await signIn({ username, password: STRONG_PASSWORD });
      assert.equal(challenged.isSignedIn, false);
      assert.equal(challenged.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
      await assert.rejects(confirmSignIn({ challengeResponse: '000000' }), (e: Error) => e.name === 'CodeMismatchException');
      // The setup code's time step was used: the next step's code (within the one-step tolerance).
      const done = await confirmSignIn({ challengeResponse: await totpNow(secret, 30_000) });
      assert.equal(done.isSignedIn, true);
      const session = await fetchAuthSession();
      assert.deepEqual(session.tokens?.idToken?.payload.amr, ['pwd', 'mfa', 'otp']);
      await signOut();
    } finally {
      await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OFF', softwareTokenEnabled: true, sms: null });
    }
  });

  it('MFA ON: a user without a factor is walked through TOTP setup inside signIn (MFA_SETUP)', async () => {
    await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'ON', softwareTokenEnabled: true, sms: null });
    try {
      const username = await newConfirmedUser('amplify-setup');
      const first = await signIn({ username, password: STRONG_PASSWORD });
      assert.equal(first.isSignedIn, false);
      assert.equal(first.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
      const details = (first.nextStep as { totpSetupDetails: { sharedSecret: string } }).totpSetupDetails;
      const done = await confirmSignIn({ challengeResponse: await totpNow(details.sharedSecret) });
      assert.equal(done.isSignedIn, true);
      assert.deepEqual((await fetchAuthSession()).tokens?.idToken?.payload.amr, ['pwd', 'mfa', 'otp']);
      await signOut();
    } finally {
      await t.server.services.mfa.setPoolConfig(t.poolId, { mfaConfiguration: 'OFF', softwareTokenEnabled: true, sms: null });
    }
  });
});
