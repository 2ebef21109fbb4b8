import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdminCreateUserCommand, AdminGetUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, ConfirmSignUpCommand,
  CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand, SignUpCommand, type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { errorName } from '../helpers/errors.js';
import { serverWithSdk } from '../helpers/sdk.js';
import type { TestServer } from '../helpers/server.js';

const OTHER_PASSWORD = 'Other-Horse-7-Battery';
const attribute = (attributes: AttributeType[] | undefined, name: string) => attributes?.find((a) => a.Name === name)?.Value;

describe('ForceAliasCreation: a verified email moves from one user to another (pool with email as an alias)', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  let poolId: string;
  let clientId: string;

  serverWithSdk(async (server, client) => {
    t = server;
    sdk = client;
    poolId = (await sdk.send(new CreateUserPoolCommand({ PoolName: 'aliases', AliasAttributes: ['email', 'phone_number'], AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
    clientId = (await sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }))).UserPoolClient!.ClientId!;
  });

  const signIn = (name: string, password: string) => sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: name, PASSWORD: password },
  }));
  const subOf = async (name: string, password: string) => decodeJwt((await signIn(name, password)).AuthenticationResult!.IdToken!).sub;
  const getUser = (username: string) => sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));

  const adminCreate = async (username: string, email: string, password: string, force?: boolean) => {
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temporary-Passw0rd!',
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
      ...(force === undefined ? {} : { ForceAliasCreation: force }),
    }));
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: password, Permanent: true }));
  };

  it('AdminCreateUser refuses a taken alias without it, and moves the alias with it', async () => {
    const email = uniqueEmail('shared');
    const first = `first-${Date.now().toString(36)}`;
    const second = `second-${Date.now().toString(36)}`;
    await adminCreate(first, email, STRONG_PASSWORD);
    const firstSub = await subOf(email, STRONG_PASSWORD);

    await assert.rejects(adminCreate(second, email, OTHER_PASSWORD), errorName('AliasExistsException', /given email already exists/));
    await assert.rejects(adminCreate(second, email, OTHER_PASSWORD, false), errorName('AliasExistsException'));
    await assert.rejects(getUser(second), errorName('UserNotFoundException'), 'the refused user was not created');
    assert.equal(await subOf(email, STRONG_PASSWORD), firstSub, 'the alias still signs the first user in');

    await adminCreate(second, email, OTHER_PASSWORD, true);
    const secondSub = await subOf(email, OTHER_PASSWORD);
    assert.notEqual(secondSub, firstSub, 'the email now signs in the second user');
    await assert.rejects(signIn(email, STRONG_PASSWORD), errorName('NotAuthorizedException'), "the first user's password does not open the second user");

    const previous = await getUser(first);
    assert.equal(attribute(previous.UserAttributes, 'email'), email, 'the first user keeps the attribute');
    assert.equal(attribute(previous.UserAttributes, 'email_verified'), 'false', 'but no longer verified');
    assert.equal(await subOf(first, STRONG_PASSWORD), firstSub, 'and still signs in with the username');
    assert.equal(attribute((await getUser(second)).UserAttributes, 'email_verified'), 'true');
  });

  it('a verified phone number moves the same way, and both aliases can move at once', async () => {
    const suffix = Date.now().toString().slice(-7);
    const phone = `+1555${suffix}`;
    const email = uniqueEmail('both');
    const holder = `phone-${suffix}`;
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: holder, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temporary-Passw0rd!',
      UserAttributes: [{ Name: 'phone_number', Value: phone }, { Name: 'phone_number_verified', Value: 'true' }, { Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    }));
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: holder, Password: STRONG_PASSWORD, Permanent: true }));
    assert.ok(await subOf(phone, STRONG_PASSWORD), 'the phone number signs the holder in');

    const taker = `taker-${suffix}`;
    const create = (force: boolean) => sdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: taker, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temporary-Passw0rd!', ForceAliasCreation: force,
      UserAttributes: [{ Name: 'phone_number', Value: phone }, { Name: 'phone_number_verified', Value: 'true' }, { Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    }));
    await assert.rejects(create(false), errorName('AliasExistsException'));
    await create(true);
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: taker, Password: OTHER_PASSWORD, Permanent: true }));
    for (const name of [phone, email]) {
      assert.equal(decodeJwt((await signIn(name, OTHER_PASSWORD)).AuthenticationResult!.IdToken!)['cognito:username'], taker);
    }
    const previous = (await getUser(holder)).UserAttributes;
    assert.equal(attribute(previous, 'phone_number_verified'), 'false');
    assert.equal(attribute(previous, 'email_verified'), 'false');
  });

  it('an unverified email is no alias: ForceAliasCreation moves nothing', async () => {
    const email = uniqueEmail('kept');
    const holder = `holder-${Date.now().toString(36)}`;
    await adminCreate(holder, email, STRONG_PASSWORD);
    const other = `unverified-${Date.now().toString(36)}`;
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: other, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temporary-Passw0rd!', ForceAliasCreation: true,
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'false' }],
    }));
    assert.equal(attribute((await getUser(holder)).UserAttributes, 'email_verified'), 'true');
    assert.equal(decodeJwt((await signIn(email, STRONG_PASSWORD)).AuthenticationResult!.IdToken!)['cognito:username'], holder);
  });

  /** A user holding an email as their alias, and a newcomer who signed up with it (unverified) and was mailed a code. */
  async function newcomerWithHoldersEmail(prefix: string) {
    const email = uniqueEmail(prefix);
    const holder = `${prefix}-had-${Date.now().toString(36)}`;
    await adminCreate(holder, email, STRONG_PASSWORD);
    const newcomer = `${prefix}-new-${Date.now().toString(36)}`;
    const before = t.mail.messages.length;
    await sdk.send(new SignUpCommand({ ClientId: clientId, Username: newcomer, Password: OTHER_PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    return { email, holder, newcomer, code: await t.mail.codeFor(email, { after: before }) };
  }

  it('ConfirmSignUp with ForceAliasCreation takes the email over from the user who had it', async () => {
    const { email, holder, newcomer, code } = await newcomerWithHoldersEmail('confirm');
    await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: newcomer, ConfirmationCode: code, ForceAliasCreation: true }));

    assert.equal((await getUser(newcomer)).UserStatus, 'CONFIRMED');
    assert.equal(decodeJwt((await signIn(email, OTHER_PASSWORD)).AuthenticationResult!.IdToken!)['cognito:username'], newcomer);
    assert.equal(attribute((await getUser(holder)).UserAttributes, 'email_verified'), 'false');
    assert.ok(await subOf(holder, STRONG_PASSWORD), 'the previous holder still signs in with the username');
  });

  it('ConfirmSignUp without it answers AliasExistsException, leaves both users as they were and keeps the code for a retry with it', async () => {
    const { email, holder, newcomer, code } = await newcomerWithHoldersEmail('refused');
    await assert.rejects(sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: newcomer, ConfirmationCode: code })), errorName('AliasExistsException'));

    assert.equal((await getUser(newcomer)).UserStatus, 'UNCONFIRMED');
    assert.equal(attribute((await getUser(holder)).UserAttributes, 'email_verified'), 'true');
    assert.equal(decodeJwt((await signIn(email, STRONG_PASSWORD)).AuthenticationResult!.IdToken!)['cognito:username'], holder);

    // What an app does next: the same code again, this time moving the alias.
    await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: newcomer, ConfirmationCode: code, ForceAliasCreation: true }));
    assert.equal((await getUser(newcomer)).UserStatus, 'CONFIRMED');
    assert.equal(decodeJwt((await signIn(email, OTHER_PASSWORD)).AuthenticationResult!.IdToken!)['cognito:username'], newcomer);
    await assert.rejects(sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: newcomer, ConfirmationCode: code })),
      errorName('NotAuthorizedException', /Current status is CONFIRMED/));
  });
});
