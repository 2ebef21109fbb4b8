import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import argon2 from 'argon2';
import { decodeJwt } from 'jose';
import { ARGON2_OPTIONS } from '../../src/infra/argon2-hasher.js';
import { argon2idParameters, OLDER_ARGON2 } from '../helpers/argon2.js';
import { callbackParams, pkcePair, signInThroughPages, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { serverWithSdk } from '../helpers/sdk.js';
import type { TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

describe('passwords hashed with older argon2 parameters, on a running server', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  serverWithSdk((server, client) => {
    t = server;
    sdk = client;
  });

  /** A confirmed user whose stored hash is replaced by one of the same password at the older parameters. */
  async function userWithOlderHash() {
    const email = uniqueEmail('rehash');
    const { UserSub } = await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: t.poolId, Username: email }));
    const storage = await t.database.open();
    try {
      const older = await argon2.hash(STRONG_PASSWORD, OLDER_ARGON2);
      const before = await storage.users.update(t.poolId, UserSub!, (u) => ({ ...u, passwordHash: older }));
      return { email, sub: UserSub!, before };
    } finally {
      await storage.close();
    }
  }

  async function stored(sub: string) {
    const storage = await t.database.open();
    try {
      return (await storage.users.get(t.poolId, sub))!;
    } finally {
      await storage.close();
    }
  }

  const current = { m: ARGON2_OPTIONS.memoryCost, t: ARGON2_OPTIONS.timeCost, p: 1 };

  it('sign in on the hosted pages or through InitiateAuth, and the stored hash moves to the current parameters', async () => {
    const viaPages = await userWithOlderHash();
    const viaApi = await userWithOlderHash();
    assert.deepEqual(argon2idParameters(viaPages.before.passwordHash!), { m: OLDER_ARGON2.memoryCost, t: OLDER_ARGON2.timeCost, p: 1 });

    const { challenge } = pkcePair();
    const redirect = await signInThroughPages(new WebClient(t.url), {
      response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback', scope: 'openid email',
      code_challenge: challenge, code_challenge_method: 'S256',
    }, viaPages.email);
    assert.ok(callbackParams(redirect.location).get('code'), 'the older hash still signs the user in');

    const auth = await sdk.send(new InitiateAuthCommand({
      ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: viaApi.email, PASSWORD: STRONG_PASSWORD },
    }));
    assert.equal(decodeJwt(auth.AuthenticationResult!.AccessToken!).sub, viaApi.sub);

    for (const { sub, before } of [viaPages, viaApi]) {
      const now = await stored(sub);
      assert.deepEqual(argon2idParameters(now.passwordHash!), current);
      assert.ok(await argon2.verify(now.passwordHash!, STRONG_PASSWORD));
      assert.equal(now.passwordUpdatedAt, before.passwordUpdatedAt, 'the password itself did not change');
      assert.equal(now.updatedAt, before.updatedAt);
    }
    const again = await sdk.send(new InitiateAuthCommand({
      ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: viaPages.email, PASSWORD: STRONG_PASSWORD },
    }));
    assert.ok(again.AuthenticationResult?.AccessToken, 'the new hash signs the user in');
  });

  it('a wrong password leaves the older hash as it was', async () => {
    const user = await userWithOlderHash();
    await assert.rejects(sdk.send(new InitiateAuthCommand({
      ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: 'Wrong-Passw0rd-1' },
    })), (e: Error) => e.name === 'NotAuthorizedException');
    assert.equal((await stored(user.sub)).passwordHash, user.before.passwordHash);
  });
});
