import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ChangePasswordCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, ConfirmSignUpCommand, CreateUserPoolClientCommand,
  DescribeUserPoolCommand, ForgotPasswordCommand, InitiateAuthCommand, SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { authorizeUrl, uniqueEmail } from '../helpers/flows.js';
import type { TestServer } from '../helpers/server.js';
import { csrfToken, formAction, WebClient } from '../helpers/web-client.js';
import { serverWithSdk } from '../helpers/sdk.js';

/** On the bundled list, yet within the default policy (8+, upper, lower, number, symbol); ranks from the file. */
const BREACHED = {
  top100k: 'P@ssw0rd', // rank 15,407
  hosted: '!QAZ2wsx', // rank 19,438
  lowerCased: 'Sasha_007', // "sasha_007" is rank 6,776
  beyond100k: 'Password1!', // rank 203,247
};
const BREACH_MESSAGE = /^Password did not conform with policy: Password has appeared in a data breach and is too common; choose another$/;

/** A password no list holds. */
const strongPassword = () => `Zq7!${randomBytes(12).toString('base64url')}`;

const refusedAsBreached = (e: unknown) => {
  assert.equal((e as Error).name, 'InvalidPasswordException', String(e));
  assert.match((e as Error).message, BREACH_MESSAGE);
  return true;
};

/**
 * A signed admin call with the raw JSON body: the AWS SDK drops fields its model does not know,
 * so OpenPool's extension fields travel this way (as from any HTTP client that signs SigV4).
 */
async function rawAdminCall(t: TestServer, operation: string, body: Record<string, unknown>) {
  const url = new URL(t.url);
  const payload = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 'cognito-idp', sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, body: payload,
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
  });
  const { host: _host, ...headers } = signed.headers;
  const res = await fetch(`${t.url}/`, { method: 'POST', headers, body: payload });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('breached passwords, over real sockets', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  serverWithSdk((server, client) => {
    t = server;
    sdk = client;
  });

  /** Signs up and confirms through the SDK; returns the email and the user's access token. */
  async function confirmedUser(clientId: string, password: string) {
    const email = uniqueEmail('breach');
    const before = t.mail.messages.length;
    await sdk.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: await t.mail.codeFor(email, { after: before }) }));
    const auth = await sdk.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
    return { email, accessToken: auth.AuthenticationResult!.AccessToken! };
  }

  it('SignUp through the AWS SDK refuses listed passwords and accepts a strong one', async () => {
    const email = uniqueEmail('breach');
    for (const password of [BREACHED.top100k, BREACHED.beyond100k, BREACHED.lowerCased]) {
      await assert.rejects(sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: password })), refusedAsBreached);
    }
    const ok = await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: strongPassword() }));
    assert.equal(ok.UserConfirmed, false);
  });

  it('the hosted /signup page lists the breach like the other policy failures', async () => {
    const web = new WebClient(t.url);
    const params = { response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback', scope: 'openid email' };
    const login = await web.follow(await web.get(authorizeUrl(params)));
    const signupPath = /href="(\/signup\?[^"]+)"/.exec(login.body)![1]!.replace(/&amp;/g, '&');
    const signup = await web.get(signupPath);
    const email = uniqueEmail('hosted');
    const refused = await web.post(formAction(signup.body, 'signUpForm'), { _csrf: csrfToken(signup.body), username: email, password: BREACHED.hosted });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /Your password does not meet the requirements\./);
    assert.match(refused.body, /<li>Password has appeared in a data breach and is too common; choose another<\/li>/);
    const again = refused.body;
    const ok = await web.post(formAction(again, 'signUpForm'), { _csrf: csrfToken(again), username: email, password: strongPassword() });
    assert.equal(ok.status, 302);
    assert.match(ok.location ?? '', /\/confirmUser\?/);
  });

  it('ChangePassword refuses a password listed in lower case, and the old password keeps working', async () => {
    const password = strongPassword();
    const { email, accessToken } = await confirmedUser(t.clients.public.id, password);
    await assert.rejects(
      sdk.send(new ChangePasswordCommand({ AccessToken: accessToken, PreviousPassword: password, ProposedPassword: BREACHED.lowerCased })),
      refusedAsBreached,
    );
    const next = strongPassword();
    await sdk.send(new ChangePasswordCommand({ AccessToken: accessToken, PreviousPassword: password, ProposedPassword: next }));
    const auth = await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: next } }));
    assert.ok(auth.AuthenticationResult?.AccessToken);
  });

  it('ConfirmForgotPassword refuses a listed password (one beyond the top 100,000) without spending the code', async () => {
    const { email } = await confirmedUser(t.clients.public.id, strongPassword());
    const before = t.mail.messages.length;
    await sdk.send(new ForgotPasswordCommand({ ClientId: t.clients.public.id, Username: email }));
    const code = await t.mail.codeFor(email, { after: before });
    await assert.rejects(
      sdk.send(new ConfirmForgotPasswordCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: code, Password: BREACHED.beyond100k })),
      refusedAsBreached,
    );
    await sdk.send(new ConfirmForgotPasswordCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: code, Password: strongPassword() }));
  });

  it('BreachedPasswordCheck is set per pool through CreateUserPool / UpdateUserPool and read back by DescribeUserPool', async () => {
    const example = await rawAdminCall(t, 'DescribeUserPool', { UserPoolId: t.poolId });
    assert.equal(example.json.UserPool.BreachedPasswordCheck, 'ENABLED', 'on by default');

    const created = await rawAdminCall(t, 'CreateUserPool', { PoolName: 'lax', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], BreachedPasswordCheck: 'DISABLED' });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const poolId = created.json.UserPool.Id as string;
    assert.equal(created.json.UserPool.BreachedPasswordCheck, 'DISABLED');
    const client = await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    const clientId = client.UserPoolClient!.ClientId!;

    const { accessToken } = await confirmedUser(clientId, BREACHED.top100k);
    assert.ok(accessToken, 'the same password the example pool refuses is accepted');
    // The SDK ignores the extension it does not model, and still reads the pool.
    assert.equal((await sdk.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool?.Name, 'lax');

    const enabled = await rawAdminCall(t, 'UpdateUserPool', { UserPoolId: poolId, AutoVerifiedAttributes: ['email'], BreachedPasswordCheck: 'ENABLED' });
    assert.equal(enabled.status, 200, JSON.stringify(enabled.json));
    await assert.rejects(sdk.send(new SignUpCommand({ ClientId: clientId, Username: uniqueEmail('breach'), Password: BREACHED.top100k })), refusedAsBreached);

    await rawAdminCall(t, 'UpdateUserPool', { UserPoolId: poolId, BreachedPasswordCheck: 'DISABLED' });
    assert.equal((await rawAdminCall(t, 'DescribeUserPool', { UserPoolId: poolId })).json.UserPool.BreachedPasswordCheck, 'DISABLED');
    // UpdateUserPool replaces the settings, as in Cognito: leaving the field out restores the default.
    await rawAdminCall(t, 'UpdateUserPool', { UserPoolId: poolId });
    assert.equal((await rawAdminCall(t, 'DescribeUserPool', { UserPoolId: poolId })).json.UserPool.BreachedPasswordCheck, 'ENABLED');

    const bad = await rawAdminCall(t, 'UpdateUserPool', { UserPoolId: poolId, BreachedPasswordCheck: 'OFF' });
    assert.equal(bad.json.__type, 'InvalidParameterException');
  });
});
