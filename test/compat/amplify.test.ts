import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Amplify, type KeyValueStorageInterface, type ResourcesConfig } from '@aws-amplify/core';
import { cognitoUserPoolsTokenProvider } from '@aws-amplify/auth/cognito';
import { confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from '@aws-amplify/auth';
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
});
