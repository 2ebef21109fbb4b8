import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AdminConfirmSignUpCommand, AdminGetUserCommand, AdminInitiateAuthCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand,
  InitiateAuthCommand, SignUpCommand, type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import type { TestServer } from '../helpers/server.js';
import { errorName } from '../helpers/errors.js';
import { serverWithSdk } from '../helpers/sdk.js';

/** What an app computes: Base64(HMAC-SHA256(client secret, username + client id)). */
const secretHash = (client: { id: string; secret: string }, username: string) =>
  createHmac('sha256', client.secret).update(username + client.id).digest('base64');

const NOT_RECEIVED = /configured for secret but secret was not received/;
const UNVERIFIED = /Unable to verify secret hash/;

describe('SECRET_HASH for app clients with a secret, through the AWS SDK', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  let app: { id: string; secret: string };
  let rotating: { id: string; secret: string };
  let other: { id: string; secret: string };

  const newClient = async (name: string, rotation?: boolean) => {
    const created = (await sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: t.poolId, ClientName: name, GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      ...(rotation ? { RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 } } : {}),
    }))).UserPoolClient!;
    return { id: created.ClientId!, secret: created.ClientSecret! };
  };

  /** A confirmed user who signs in with their email; their real username is a UUID. */
  const confirmedUser = async () => {
    const email = uniqueEmail('hash');
    await sdk.send(new SignUpCommand({ ClientId: app.id, Username: email, Password: STRONG_PASSWORD, SecretHash: secretHash(app, email) }));
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: t.poolId, Username: email }));
    const username = (await sdk.send(new AdminGetUserCommand({ UserPoolId: t.poolId, Username: email }))).Username!;
    return { email, username };
  };

  const signIn = async (client: { id: string; secret: string }, email: string): Promise<AuthenticationResultType> =>
    (await sdk.send(new InitiateAuthCommand({
      ClientId: client.id, AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD, SECRET_HASH: secretHash(client, email) },
    }))).AuthenticationResult!;

  const refresh = (client: { id: string }, refreshToken: string, hash?: string) => sdk.send(new InitiateAuthCommand({
    ClientId: client.id, AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: refreshToken, ...(hash === undefined ? {} : { SECRET_HASH: hash }) },
  }));

  const adminRefresh = (client: { id: string }, refreshToken: string, hash?: string) => sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: t.poolId, ClientId: client.id, AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: refreshToken, ...(hash === undefined ? {} : { SECRET_HASH: hash }) },
  }));

  serverWithSdk(async (server, client) => {
    t = server;
    sdk = client;
    app = await newClient('hash-app');
    rotating = await newClient('hash-rotating', true);
    other = await newClient('hash-other');
  });

  it('password sign-in needs the hash over the name the user typed', async () => {
    const { email } = await confirmedUser();
    const password = (hash?: string) => sdk.send(new InitiateAuthCommand({
      ClientId: app.id, AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD, ...(hash === undefined ? {} : { SECRET_HASH: hash }) },
    }));
    await assert.rejects(password(), errorName('NotAuthorizedException', NOT_RECEIVED));
    await assert.rejects(password(secretHash(other, email)), errorName('NotAuthorizedException', UNVERIFIED), "another client's secret");
    await assert.rejects(password(secretHash(app, `x${email}`)), errorName('NotAuthorizedException', UNVERIFIED), 'another name');
    const tokens = (await password(secretHash(app, email))).AuthenticationResult!;
    assert.equal(decodeJwt(tokens.AccessToken!).client_id, app.id);
  });

  for (const [surface, send] of [['InitiateAuth', refresh], ['AdminInitiateAuth', adminRefresh]] as const) {
    it(`${surface} REFRESH_TOKEN_AUTH checks the hash over the token owner's username, and a refused refresh changes nothing`, async () => {
      const { email, username } = await confirmedUser();
      const { username: someoneElse } = await confirmedUser();
      const signedIn = await signIn(app, email);
      const sub = decodeJwt(signedIn.IdToken!).sub!;
      const token = signedIn.RefreshToken!;

      await assert.rejects(send(app, token), errorName('NotAuthorizedException', NOT_RECEIVED));
      await assert.rejects(send(app, token, ''), errorName('NotAuthorizedException', NOT_RECEIVED));
      await assert.rejects(send(app, token, 'bm90IGEgaGFzaA=='), errorName('NotAuthorizedException', UNVERIFIED));
      await assert.rejects(send(app, token, secretHash(app, someoneElse)), errorName('NotAuthorizedException', UNVERIFIED), "another user's name");
      await assert.rejects(send(app, token, secretHash(other, username)), errorName('NotAuthorizedException', UNVERIFIED), "another client's secret");
      assert.notEqual(email, username);
      await assert.rejects(send(app, token, secretHash(app, email)), errorName('NotAuthorizedException', UNVERIFIED),
        'the sign-in alias is not the username a refresh is hashed with');

      for (const name of [username, sub]) {
        const result = (await send(app, token, secretHash(app, name))).AuthenticationResult!;
        assert.equal(decodeJwt(result.IdToken!).sub, sub);
        assert.equal(decodeJwt(result.AccessToken!).username, username);
        assert.equal(result.RefreshToken, undefined, 'without rotation the refresh token is not returned');
      }
    });
  }

  it('a refresh with a wrong hash cannot end a rotating token family, and the right hash still gets tokens', async () => {
    const { email, username } = await confirmedUser();
    const first = (await signIn(rotating, email)).RefreshToken!;
    const second = (await refresh(rotating, first, secretHash(rotating, username))).AuthenticationResult!.RefreshToken!;
    assert.ok(second && second !== first, 'rotation returns a new refresh token');

    // Presenting the rotated-out token again ends the family, but only for a caller holding the secret.
    await assert.rejects(refresh(rotating, first, secretHash(rotating, `${username}x`)), errorName('NotAuthorizedException', UNVERIFIED));
    await assert.rejects(refresh(rotating, first), errorName('NotAuthorizedException', NOT_RECEIVED));
    const third = (await refresh(rotating, second, secretHash(rotating, username))).AuthenticationResult!.RefreshToken!;
    assert.ok(third, 'the family survived the refused attempts');

    await assert.rejects(refresh(rotating, first, secretHash(rotating, username)), errorName('NotAuthorizedException'));
    await assert.rejects(refresh(rotating, third, secretHash(rotating, username)), errorName('NotAuthorizedException'),
      'reuse with the secret ends the family');
  });

  it('a client without a secret needs no hash', async () => {
    const { email } = await confirmedUser();
    const signedIn = (await sdk.send(new InitiateAuthCommand({
      ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD },
    }))).AuthenticationResult!;
    const result = (await refresh(t.clients.public, signedIn.RefreshToken!)).AuthenticationResult!;
    assert.ok(result.AccessToken);
  });
});
