import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdminDisableUserCommand, AdminEnableUserCommand, AdminGetUserCommand, AdminInitiateAuthCommand, AdminSetUserPasswordCommand,
  ChangePasswordCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, ConfirmSignUpCommand,
  DescribeUserPoolClientCommand, DescribeUserPoolCommand, ForgotPasswordCommand, GetUserCommand, GlobalSignOutCommand,
  InitiateAuthCommand, ListUserPoolClientsCommand, ListUserPoolsCommand, paginateListUserPools, RespondToAuthChallengeCommand,
  RevokeTokenCommand, SignUpCommand, CreateUserPoolClientCommand, ResendConfirmationCodeCommand, AdminConfirmSignUpCommand,
  AdminUserGlobalSignOutCommand, AdminRespondToAuthChallengeCommand, DeleteUserCommand, DeleteUserPoolClientCommand, UpdateUserAttributesCommand, VerifyUserAttributeCommand, GetUserAttributeVerificationCodeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { decodeJwt } from 'jose';
import { callbackParams, signInThroughPages, signedUpUserWithTokens, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import type { TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { errorName } from '../helpers/errors.js';
import { sdkClient, serverWithSdk } from '../helpers/sdk.js';

describe('the Cognito API through the official AWS SDK', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  serverWithSdk((server, client) => {
    t = server;
    sdk = client;
  });

  it('signs up, confirms with the emailed code and signs in with USER_PASSWORD_AUTH; the hosted pages accept the same user', async () => {
    const email = uniqueEmail('sdk');
    const before = t.mail.messages.length;
    const signUp = await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    assert.equal(signUp.UserConfirmed, false);
    assert.equal(signUp.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
    assert.match(signUp.CodeDeliveryDetails?.Destination ?? '', /^s\*\*\*@e\*\*\*$/);
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } })), errorName('UserNotConfirmedException'));
    await assert.rejects(sdk.send(new ConfirmSignUpCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: '000000' })), errorName('CodeMismatchException'));
    const code = await t.mail.codeFor(email, { after: before });
    await sdk.send(new ConfirmSignUpCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: code }));
    await assert.rejects(sdk.send(new ConfirmSignUpCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: code })), errorName('NotAuthorizedException'));

    const auth = await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } }));
    const result = auth.AuthenticationResult!;
    assert.equal(result.TokenType, 'Bearer');
    assert.equal(result.ExpiresIn, 3600);
    const id = decodeJwt(result.IdToken!);
    const access = decodeJwt(result.AccessToken!);
    assert.equal(id.sub, signUp.UserSub);
    assert.equal(id.email, email);
    assert.equal(id.email_verified, true);
    assert.equal(id.token_use, 'id');
    assert.equal(access.scope, 'aws.cognito.signin.user.admin');
    assert.equal(access.client_id, t.clients.public.id);

    const me = await sdk.send(new GetUserCommand({ AccessToken: result.AccessToken }));
    assert.equal(me.Username, signUp.UserSub);
    assert.equal(me.UserAttributes?.find((a) => a.Name === 'email')?.Value, email);

    const web = new WebClient(t.url);
    const hosted = await signInThroughPages(web, { response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' }, email);
    assert.ok(callbackParams(hosted.location).get('code'), 'the API-made user signs in on the hosted pages');

    const refreshed = await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: result.RefreshToken! } }));
    assert.equal(refreshed.AuthenticationResult?.RefreshToken, undefined);
    assert.equal(decodeJwt(refreshed.AuthenticationResult!.IdToken!).origin_jti, id.origin_jti);

    await sdk.send(new ChangePasswordCommand({ AccessToken: result.AccessToken, PreviousPassword: STRONG_PASSWORD, ProposedPassword: 'Changed-Passw0rd!' }));
    await assert.rejects(sdk.send(new ChangePasswordCommand({ AccessToken: result.AccessToken, PreviousPassword: 'wrong', ProposedPassword: 'Other-Passw0rd!' })), errorName('NotAuthorizedException'));
    await sdk.send(new GlobalSignOutCommand({ AccessToken: result.AccessToken }));
    await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: result.AccessToken })), errorName('NotAuthorizedException'));
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: result.RefreshToken! } })), errorName('NotAuthorizedException'));
  });

  it('a user from the hosted pages signs in through the API with the same claims', async () => {
    const user = await signedUpUserWithTokens(t);
    const auth = await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: STRONG_PASSWORD } }));
    const apiId = decodeJwt(auth.AuthenticationResult!.IdToken!);
    const hostedId = decodeJwt(user.tokens.id_token);
    assert.equal(apiId.sub, hostedId.sub);
    const identityClaims = (c: Record<string, unknown>) => Object.keys(c).filter((k) => !['at_hash', 'nonce'].includes(k)).sort();
    assert.deepEqual(identityClaims(apiId), identityClaims(hostedId), 'the same claims whichever surface issued the token');
    await sdk.send(new RevokeTokenCommand({ ClientId: t.clients.public.id, Token: auth.AuthenticationResult!.RefreshToken! }));
    await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: auth.AuthenticationResult!.AccessToken })), errorName('NotAuthorizedException'));
  });

  it('updates and verifies the user\'s own attributes; a changed email becomes the sign-in name once set', async () => {
    const user = await signedUpUserWithTokens(t);
    const auth = await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: STRONG_PASSWORD } }));
    const token = auth.AuthenticationResult!.AccessToken!;
    const newEmail = uniqueEmail('moved');
    const before = t.mail.messages.length;
    const updated = await sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: newEmail }, { Name: 'given_name', Value: 'Ada' }] }));
    assert.equal(updated.CodeDeliveryDetailsList?.[0]?.AttributeName, 'email');
    const me = await sdk.send(new GetUserCommand({ AccessToken: token }));
    const attr = (name: string) => me.UserAttributes?.find((a) => a.Name === name)?.Value;
    assert.equal(attr('email'), newEmail);
    assert.equal(attr('email_verified'), 'false');
    assert.equal(attr('given_name'), 'Ada');
    await assert.rejects(sdk.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: '000000' })), errorName('CodeMismatchException'));
    const code = await t.mail.codeFor(newEmail, { after: before });
    await sdk.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: code }));
    const verified = await sdk.send(new GetUserCommand({ AccessToken: token }));
    assert.equal(verified.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value, 'true');
    await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: newEmail, PASSWORD: STRONG_PASSWORD } }));
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: STRONG_PASSWORD } })), errorName('NotAuthorizedException'));
    const resent = await sdk.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' }));
    assert.equal(resent.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
    await assert.rejects(sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] })), errorName('InvalidParameterException'));
    const other = await signedUpUserWithTokens(t);
    await assert.rejects(sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: other.email }] })), errorName('AliasExistsException'));
  });

  it('admin sign-in, challenges, confirmation, global sign-out and self-deletion', async () => {
    const created = await sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: t.poolId, ClientName: 'backend', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }));
    const backend = created.UserPoolClient!.ClientId!;
    const email = uniqueEmail('adm');
    const first = t.mail.messages.length;
    await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    await t.mail.waitFor(email, { after: first });
    const resent = await sdk.send(new ResendConfirmationCodeCommand({ ClientId: t.clients.public.id, Username: email }));
    assert.equal(resent.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
    assert.equal(t.mail.messages.filter((m) => m.to.includes(email)).length, 2, 'a second code was mailed');
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: t.poolId, Username: email }));
    await assert.rejects(sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: t.poolId, Username: email })), errorName('NotAuthorizedException'));

    const auth = await sdk.send(new AdminInitiateAuthCommand({ UserPoolId: t.poolId, ClientId: backend, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } }));
    assert.ok(auth.AuthenticationResult?.RefreshToken);
    const refreshed = await sdk.send(new AdminInitiateAuthCommand({ UserPoolId: t.poolId, ClientId: backend, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.AuthenticationResult!.RefreshToken! } }));
    assert.ok(refreshed.AuthenticationResult?.AccessToken);
    await assert.rejects(sdk.send(new AdminInitiateAuthCommand({ UserPoolId: 'us-east-1_Other1', ClientId: backend, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } })), errorName('ResourceNotFoundException'));
    await sdk.send(new AdminUserGlobalSignOutCommand({ UserPoolId: t.poolId, Username: email }));
    await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: auth.AuthenticationResult!.AccessToken })), errorName('NotAuthorizedException'));

    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: t.poolId, Username: email, Password: 'Temporary-Passw0rd!', Permanent: false }));
    const challenge = await sdk.send(new AdminInitiateAuthCommand({ UserPoolId: t.poolId, ClientId: backend, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'Temporary-Passw0rd!' } }));
    assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
    const answered = await sdk.send(new AdminRespondToAuthChallengeCommand({ UserPoolId: t.poolId, ClientId: backend, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: 'Final-Passw0rd!' } }));
    const token = answered.AuthenticationResult!.AccessToken!;

    await sdk.send(new DeleteUserCommand({ AccessToken: token }));
    await assert.rejects(sdk.send(new AdminGetUserCommand({ UserPoolId: t.poolId, Username: email })), errorName('UserNotFoundException'));
    await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: token })), errorName('NotAuthorizedException'));
    await sdk.send(new DeleteUserPoolClientCommand({ UserPoolId: t.poolId, ClientId: backend }));
  });

  it('locks a user out after repeated failures, with the same answer whether or not the password is right', async () => {
    const user = await signedUpUserWithTokens(t);
    const attempt = (password: string) =>
      sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: password } }));
    for (let i = 0; i < 6; i++) {
      await assert.rejects(attempt('Wrong-Passw0rd!'), (e: Error) => e.name === 'NotAuthorizedException' && /Incorrect username or password/.test(e.message));
    }
    // The sixth failure locks the account for 2 s; the right password is refused meanwhile.
    await assert.rejects(attempt(STRONG_PASSWORD), (e: Error) => e.name === 'NotAuthorizedException' && /Password attempts exceeded/.test(e.message));
    await assert.rejects(attempt('Wrong-Passw0rd!'), (e: Error) => /Password attempts exceeded/.test(e.message));
    const web = new WebClient(t.url);
    const hosted = await signInThroughPages(web, { response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' }, user.email);
    assert.equal(hosted.status, 400);
    assert.match(hosted.body, /Incorrect username or password/, 'the hosted page says nothing more');
    // The lock ends by itself.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const ok = await attempt(STRONG_PASSWORD);
    assert.ok(ok.AuthenticationResult?.AccessToken);
    await assert.rejects(attempt('Wrong-Passw0rd!'), (e: Error) => /Incorrect username or password/.test(e.message), 'a success resets the count');
  });

  it('limits how often a user can be sent a code', async () => {
    const user = await signedUpUserWithTokens(t);
    for (let i = 0; i < 6; i++) await sdk.send(new ForgotPasswordCommand({ ClientId: t.clients.public.id, Username: user.email }));
    await assert.rejects(sdk.send(new ForgotPasswordCommand({ ClientId: t.clients.public.id, Username: user.email })), errorName('LimitExceededException'));
    const sent = t.mail.messages.filter((m) => m.to.includes(user.email) && /reset/i.test(m.subject)).length;
    assert.equal(sent, 6, 'the refused request sent nothing');
  });

  it('answers errors with Cognito\'s exception names', async () => {
    const email = uniqueEmail('err');
    await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    await assert.rejects(sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD })), errorName('UsernameExistsException'));
    await assert.rejects(sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: uniqueEmail(), Password: 'weak' })), errorName('InvalidPasswordException'));
    await assert.rejects(sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: 'not-an-email', Password: STRONG_PASSWORD })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new SignUpCommand({ ClientId: 'nosuchclient', Username: uniqueEmail(), Password: STRONG_PASSWORD })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new SignUpCommand({ ClientId: t.clients.confidential.id, Username: uniqueEmail(), Password: STRONG_PASSWORD })), errorName('NotAuthorizedException'), 'a secret client needs SECRET_HASH');
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'nobody@example.com', PASSWORD: 'x' } })), errorName('NotAuthorizedException'));
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.confidential.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'x' } })), errorName('NotAuthorizedException'));
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: 'garbage' })), errorName('NotAuthorizedException'));
    // The SDK would refuse to send these, so they go over the wire by hand.
    const raw = async (target: string, body: string) => {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });
      return { status: res.status, type: res.headers.get('x-amzn-errortype'), json: (await res.json()) as { __type: string; message: string } };
    };
    const unknown = await raw('AWSCognitoIdentityProviderService.MakeCoffee', '{}');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.__type, 'UnknownOperationException');
    assert.equal(unknown.type, 'UnknownOperationException');
    const malformed = await raw('AWSCognitoIdentityProviderService.SignUp', '{"ClientId": ');
    assert.equal(malformed.json.__type, 'SerializationException');
    const wrongType = await raw('AWSCognitoIdentityProviderService.SignUp', JSON.stringify({ ClientId: 5, Username: [], Password: {} }));
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json.__type, 'InvalidParameterException');
    assert.match(wrongType.json.message, /validation error/);
    const oversize = await raw('AWSCognitoIdentityProviderService.SignUp', JSON.stringify({ ClientId: t.clients.public.id, Username: 'a'.repeat(200), Password: STRONG_PASSWORD }));
    assert.equal(oversize.json.__type, 'InvalidParameterException');
    const huge = await raw('AWSCognitoIdentityProviderService.SignUp', JSON.stringify({ x: 'a'.repeat(100_000) }));
    assert.ok(huge.status === 400 || huge.status === 413);
    assert.notEqual(huge.json.__type, 'InternalErrorException');
    const preflight = await fetch(t.url, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' } });
    assert.ok(preflight.status === 204 || preflight.status === 200);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-amz-target/);
  });

  it('forgot password and temporary passwords work through the API', async () => {
    const email = uniqueEmail('fp');
    const first = t.mail.messages.length;
    await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: await t.mail.codeFor(email, { after: first }) }));
    const before = t.mail.messages.length;
    const forgot = await sdk.send(new ForgotPasswordCommand({ ClientId: t.clients.public.id, Username: email }));
    assert.equal(forgot.CodeDeliveryDetails?.AttributeName, 'email');
    const code = await t.mail.codeFor(email, { after: before });
    await assert.rejects(sdk.send(new ConfirmForgotPasswordCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: code, Password: 'weak' })), errorName('InvalidPasswordException'));
    await sdk.send(new ConfirmForgotPasswordCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: code, Password: 'Reset-Passw0rd!' }));
    const unknown = await sdk.send(new ForgotPasswordCommand({ ClientId: t.clients.public.id, Username: 'ghost@example.com' }));
    assert.ok(unknown.CodeDeliveryDetails, 'no user existence leak');

    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: t.poolId, Username: email, Password: 'Temporary-Passw0rd!', Permanent: false }));
    const challenge = await sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'Temporary-Passw0rd!' } }));
    assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
    assert.ok(challenge.Session);
    await assert.rejects(sdk.send(new RespondToAuthChallengeCommand({ ClientId: t.clients.public.id, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'x'.repeat(40), ChallengeResponses: { USERNAME: email, NEW_PASSWORD: 'Chosen-Passw0rd!' } })), errorName('NotAuthorizedException'));
    const done = await sdk.send(new RespondToAuthChallengeCommand({ ClientId: t.clients.public.id, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: 'Chosen-Passw0rd!' } }));
    assert.ok(done.AuthenticationResult?.AccessToken);
    const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: t.poolId, Username: email }));
    assert.equal(user.UserStatus, 'CONFIRMED');
  });

  it('admin operations need a valid signature and describe what the config made', async () => {
    const pools = await sdk.send(new ListUserPoolsCommand({ MaxResults: 10 }));
    assert.deepEqual(pools.UserPools?.map((p) => p.Id), [t.poolId]);
    const paged: string[] = [];
    for await (const page of paginateListUserPools({ client: sdk, pageSize: 1 }, { MaxResults: 1 })) paged.push(...(page.UserPools ?? []).map((p) => p.Id!));
    assert.deepEqual(paged, [t.poolId]);
    const pool = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: t.poolId }));
    assert.equal(pool.UserPool?.Name, 'OpenPool Example');
    assert.deepEqual(pool.UserPool?.UsernameAttributes, ['email']);
    assert.equal(pool.UserPool?.Policies?.PasswordPolicy?.MinimumLength, 8);
    const clients = await sdk.send(new ListUserPoolClientsCommand({ UserPoolId: t.poolId, MaxResults: 2 }));
    assert.equal(clients.UserPoolClients?.length, 2);
    assert.ok(clients.NextToken);
    const rest = await sdk.send(new ListUserPoolClientsCommand({ UserPoolId: t.poolId, MaxResults: 2, NextToken: clients.NextToken }));
    assert.equal(rest.UserPoolClients?.length, 1);
    assert.equal(rest.NextToken, undefined);
    const described = await sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: t.poolId, ClientId: t.clients.confidential.id }));
    assert.equal(described.UserPoolClient?.ClientSecret, t.clients.confidential.secret);
    assert.deepEqual(described.UserPoolClient?.AllowedOAuthFlows, ['code']);
    await assert.rejects(sdk.send(new DescribeUserPoolCommand({ UserPoolId: 'us-east-1_Missing1' })), errorName('ResourceNotFoundException'));

    const user = await signedUpUserWithTokens(t);
    const got = await sdk.send(new AdminGetUserCommand({ UserPoolId: t.poolId, Username: user.email }));
    assert.equal(got.UserStatus, 'CONFIRMED');
    assert.equal(got.Enabled, true);
    await assert.rejects(sdk.send(new AdminGetUserCommand({ UserPoolId: t.poolId, Username: 'ghost@example.com' })), errorName('UserNotFoundException'));
    await sdk.send(new AdminDisableUserCommand({ UserPoolId: t.poolId, Username: user.email }));
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: STRONG_PASSWORD } })), (e: Error) => e.name === 'NotAuthorizedException' && /disabled/.test(e.message));
    const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${user.tokens.access_token}` } });
    assert.equal(info.status, 401, 'disabling ends the user\'s tokens');
    await sdk.send(new AdminEnableUserCommand({ UserPoolId: t.poolId, Username: user.email }));
    await assert.rejects(sdk.send(new AdminInitiateAuthCommand({ UserPoolId: t.poolId, ClientId: t.clients.public.id, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD: STRONG_PASSWORD } })), errorName('InvalidParameterException'), 'the example client does not enable the admin flow');

    const wrongSecret = sdkClient(t.url, { accessKeyId: 'test', secretAccessKey: 'nope' });
    await assert.rejects(wrongSecret.send(new ListUserPoolsCommand({ MaxResults: 1 })), errorName('InvalidSignatureException'));
    wrongSecret.destroy();
    const unknownKey = sdkClient(t.url, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'test' });
    await assert.rejects(unknownKey.send(new ListUserPoolsCommand({ MaxResults: 1 })), errorName('UnrecognizedClientException'));
    unknownKey.destroy();
    const unsigned = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUserPools' }, body: '{"MaxResults":1}' });
    assert.equal(unsigned.status, 400);
    assert.equal(((await unsigned.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  });

  it('a signature covers the body: a signed admin call replayed with another body is refused', async () => {
    // Signed as the SDK signs, including the x-amz-content-sha256 header that stands for the body in the signature.
    const host = new URL(t.url).host;
    const signer = new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 'cognito-idp', sha256: Hash.bind(null, 'sha256') });
    const signedBody = JSON.stringify({ UserPoolId: t.poolId, Username: 'someone@example.com' });
    const signed = await signer.sign(new HttpRequest({
      method: 'POST', protocol: 'http:', hostname: host.split(':')[0]!, port: Number(new URL(t.url).port), path: '/', body: signedBody,
      headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminGetUser' },
    }));
    const send = (body: string) => fetch(t.url, { method: 'POST', headers: signed.headers, body }).then(async (r) => ({ status: r.status, type: ((await r.json()) as { __type: string }).__type }));
    assert.deepEqual(await send(signedBody), { status: 400, type: 'UserNotFoundException' }, 'the genuine request passes the signature check');
    assert.deepEqual(await send(JSON.stringify({ UserPoolId: t.poolId, Username: 'other@example.com' })), { status: 400, type: 'InvalidSignatureException' });
  });
});
