import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDeleteUserAttributesCommand, AdminDeleteUserCommand, AdminGetUserCommand,
  AdminListGroupsForUserCommand, AdminRemoveUserFromGroupCommand, AdminResetUserPasswordCommand, AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, CreateGroupCommand, CreateResourceServerCommand, CreateUserPoolClientCommand,
  CreateUserPoolCommand, DeleteGroupCommand, DeleteResourceServerCommand, DeleteUserPoolClientCommand, DeleteUserPoolCommand,
  DescribeResourceServerCommand, DescribeUserPoolClientCommand, DescribeUserPoolCommand, GetGroupCommand, InitiateAuthCommand,
  ListResourceServersCommand, ListUsersCommand, ListUsersInGroupCommand, paginateListGroups, paginateListUserPoolClients, paginateListUsers,
  RespondToAuthChallengeCommand, UpdateGroupCommand, UpdateResourceServerCommand, UpdateUserPoolClientCommand, UpdateUserPoolCommand,
  type CreateUserPoolCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { toPoolDefinitions } from '../../src/config/load.js';
import { callbackParams, signInThroughPages, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import type { TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { errorName } from '../helpers/errors.js';
import { serverWithSdk } from '../helpers/sdk.js';

const POOL_INPUT = {
  UsernameAttributes: ['email'],
  AutoVerifiedAttributes: ['email'],
  Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false } },
  Schema: [{ Name: 'team', AttributeDataType: 'String', Mutable: true }, { Name: 'badge', AttributeDataType: 'String', Mutable: false }],
  AdminCreateUserConfig: { InviteMessageTemplate: { EmailSubject: 'Welcome aboard', EmailMessage: 'Hello {username}, your temporary password is {####} .' } },
} satisfies Partial<CreateUserPoolCommandInput>;

const TEMP_PASSWORD = /temporary password is (\S+) \./;

describe('the Cognito admin write API through the official AWS SDK', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  let poolId: string;
  let appClientId: string;

  serverWithSdk(async (server, sdkForServer) => {
    t = server;
    sdk = sdkForServer;
    const created = await sdk.send(new CreateUserPoolCommand({ PoolName: 'api-made', ...POOL_INPUT }));
    poolId = created.UserPool!.Id!;
    const client = await sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'api-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: ['http://localhost:3000/callback'], SupportedIdentityProviders: ['COGNITO'],
    }));
    appClientId = client.UserPoolClient!.ClientId!;
  });

  async function invite(email: string, extra: Record<string, string> = {}) {
    const before = t.mail.messages.length;
    const created = await sdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: email, UserAttributes: Object.entries(extra).map(([Name, Value]) => ({ Name, Value })),
    }));
    const mail = await t.mail.waitFor(email, { after: before });
    const temporary = TEMP_PASSWORD.exec(mail.text)?.[1];
    assert.ok(temporary, `no temporary password in ${mail.text}`);
    return { user: created.User!, temporary, mail };
  }

  async function activate(email: string, temporary: string, password = STRONG_PASSWORD) {
    const challenge = await sdk.send(new InitiateAuthCommand({ ClientId: appClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: temporary } }));
    assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
    const done = await sdk.send(new RespondToAuthChallengeCommand({
      ClientId: appClientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
    }));
    return done.AuthenticationResult!;
  }

  it('creates a pool identical to the same definition in a config file, updates it, and guards deletion', async () => {
    const region = 'us-east-1';
    const viaApi = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    assert.match(poolId, /^us-east-1_[0-9A-Za-z]+$/);
    const plan = await t.server.services.pools.apply(toPoolDefinitions({ UserPools: [{ PoolName: 'file-made', ...POOL_INPUT }] } as never), region);
    const viaFile = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: plan.pools[0]!.id }));
    const comparable = (p: Record<string, unknown>) => {
      const { Id: _i, Arn: _a, Name: _n, CreationDate: _c, LastModifiedDate: _l, ...rest } = p;
      return rest;
    };
    assert.deepEqual(comparable(viaApi.UserPool as Record<string, unknown>), comparable(viaFile.UserPool as Record<string, unknown>));
    assert.equal(viaApi.UserPool?.Policies?.PasswordPolicy?.MinimumLength, 10);
    assert.ok(viaApi.UserPool?.SchemaAttributes?.some((a) => a.Name === 'custom:team'));

    const scratch = await sdk.send(new CreateUserPoolCommand({ PoolName: 'scratch', AliasAttributes: ['email'] }));
    const id = scratch.UserPool!.Id!;
    await sdk.send(new UpdateUserPoolCommand({ UserPoolId: id, Policies: { PasswordPolicy: { MinimumLength: 12 } }, DeletionProtection: 'ACTIVE', UserPoolTags: { env: 'test' } }));
    const updated = (await sdk.send(new DescribeUserPoolCommand({ UserPoolId: id }))).UserPool!;
    assert.equal(updated.Policies?.PasswordPolicy?.MinimumLength, 12);
    assert.deepEqual(updated.AliasAttributes, ['email'], 'sign-in names are fixed at creation');
    assert.equal(updated.DeletionProtection, 'ACTIVE');
    assert.deepEqual(updated.UserPoolTags, { env: 'test' });
    await assert.rejects(sdk.send(new DeleteUserPoolCommand({ UserPoolId: id })), errorName('InvalidParameterException'));
    await sdk.send(new UpdateUserPoolCommand({ UserPoolId: id, DeletionProtection: 'INACTIVE' }));
    for (const doc of ['openid-configuration', 'jwks.json']) assert.equal((await fetch(`${t.url}/${id}/.well-known/${doc}`)).status, 200);
    await sdk.send(new DeleteUserPoolCommand({ UserPoolId: id }));
    for (const doc of ['openid-configuration', 'jwks.json']) {
      assert.equal((await fetch(`${t.url}/${id}/.well-known/${doc}`)).status, 404, `a deleted pool's ${doc} is not served from cache`);
    }
    await assert.rejects(sdk.send(new DescribeUserPoolCommand({ UserPoolId: id })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new DeleteUserPoolCommand({ UserPoolId: id })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new UpdateUserPoolCommand({ UserPoolId: id })), errorName('ResourceNotFoundException'));
  });

  it('refuses bad pool settings with InvalidParameterException', async () => {
    await assert.rejects(sdk.send(new CreateUserPoolCommand({ PoolName: 'bad', UsernameAttributes: ['email'], AliasAttributes: ['email'] })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new CreateUserPoolCommand({ PoolName: 'bad', Policies: { PasswordPolicy: { MinimumLength: 3 } } })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new CreateUserPoolCommand({ PoolName: '' })), errorName('InvalidParameterException'));
  });

  it('an API-made pool and client sign a user in through USER_PASSWORD_AUTH and the hosted pages', async () => {
    const email = uniqueEmail('apipool');
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, TemporaryPassword: 'Temporary-Pass1', MessageAction: 'SUPPRESS' }));
    const tokens = await activate(email, 'Temporary-Pass1');
    const access = decodeJwt(tokens.AccessToken!);
    assert.equal(access.client_id, appClientId);
    assert.equal(access.iss, t.server.services.issuer.issuerFor(poolId));

    const web = new WebClient(t.url);
    const hosted = await signInThroughPages(web, { response_type: 'code', client_id: appClientId, redirect_uri: 'http://localhost:3000/callback', scope: 'openid email' }, email);
    assert.ok(callbackParams(hosted.location).get('code'), 'the hosted pages sign the user in to the API-made client');
  });

  it('app clients: create with a secret, describe, update, paginate, delete; flows and scopes are checked', async () => {
    const created = (await sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'backend', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'],
    }))).UserPoolClient!;
    assert.ok(created.ClientSecret && created.ClientSecret.length >= 40);
    assert.equal(created.UserPoolId, poolId);
    const described = (await sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: created.ClientId }))).UserPoolClient!;
    assert.equal(described.ClientSecret, created.ClientSecret);

    const updated = (await sdk.send(new UpdateUserPoolClientCommand({
      UserPoolId: poolId, ClientId: created.ClientId, ClientName: 'backend-2', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid'], CallbackURLs: ['https://app.example.com/cb'],
    }))).UserPoolClient!;
    assert.equal(updated.ClientName, 'backend-2');
    assert.equal(updated.ClientSecret, created.ClientSecret, 'the secret survives an update');
    assert.deepEqual(updated.CallbackURLs, ['https://app.example.com/cb']);

    await assert.rejects(sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'm2m', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['api/read'],
    })), errorName('InvalidOAuthFlowException'));
    await assert.rejects(sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'nope/read'],
      CallbackURLs: ['https://app.example.com/cb'],
    })), errorName('ScopeDoesNotExistException'));
    await assert.rejects(sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code', 'client_credentials'], GenerateSecret: true,
      CallbackURLs: ['https://app.example.com/cb'],
    })), errorName('InvalidOAuthFlowException'));
    await assert.rejects(sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], CallbackURLs: ['http://example.com/cb'],
    })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new CreateUserPoolClientCommand({ UserPoolId: 'us-east-1_Missing', ClientName: 'x' })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new UpdateUserPoolClientCommand({ UserPoolId: t.poolId, ClientId: created.ClientId })), errorName('ResourceNotFoundException'));

    for (let i = 0; i < 4; i++) await sdk.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: `extra-${i}` }));
    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateListUserPoolClients({ client: sdk, pageSize: 2 }, { UserPoolId: poolId })) {
      pages++;
      ids.push(...(page.UserPoolClients ?? []).map((c) => c.ClientId!));
    }
    assert.equal(ids.length, 6);
    assert.equal(new Set(ids).size, 6);
    assert.equal(pages, 3);

    await sdk.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: created.ClientId }));
    await assert.rejects(sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: created.ClientId })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: created.ClientId })), errorName('ResourceNotFoundException'));
  });

  it('resource servers: create, describe, list, update, delete; their scopes then work for client_credentials clients', async () => {
    const rs = await sdk.send(new CreateResourceServerCommand({
      UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }],
    }));
    assert.deepEqual(rs.ResourceServer?.Scopes, [{ ScopeName: 'read', ScopeDescription: 'Read' }]);
    await assert.rejects(sdk.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'again' })), errorName('InvalidParameterException'));
    await sdk.send(new UpdateResourceServerCommand({
      UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API v2',
      Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }, { ScopeName: 'write', ScopeDescription: 'Write' }],
    }));
    const described = await sdk.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com' }));
    assert.equal(described.ResourceServer?.Name, 'API v2');
    assert.equal(described.ResourceServer?.Scopes?.length, 2);
    await sdk.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'billing', Name: 'Billing' }));
    const listed = await sdk.send(new ListResourceServersCommand({ UserPoolId: poolId, MaxResults: 1 }));
    assert.equal(listed.ResourceServers?.length, 1);
    const rest = await sdk.send(new ListResourceServersCommand({ UserPoolId: poolId, MaxResults: 10, NextToken: listed.NextToken }));
    assert.deepEqual([...listed.ResourceServers!, ...rest.ResourceServers!].map((r) => r.Identifier).sort(), ['billing', 'https://api.example.com']);

    const m2m = await sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: ['https://api.example.com/write'],
    }));
    const basic = Buffer.from(`${m2m.UserPoolClient!.ClientId}:${m2m.UserPoolClient!.ClientSecret}`).toString('base64');
    const res = await fetch(`${t.url}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` }, body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 200);
    assert.equal(decodeJwt(((await res.json()) as { access_token: string }).access_token).scope, 'https://api.example.com/write');

    await sdk.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'billing' }));
    await assert.rejects(sdk.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'billing' })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'billing' })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'billing', Name: 'x' })), errorName('ResourceNotFoundException'));
  });

  it('groups: create, get, update, paginate, membership, and the group reaches the tokens', async () => {
    const group = await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admins', Description: 'Admins', Precedence: 1 }));
    assert.equal(group.Group?.GroupName, 'admins');
    await assert.rejects(sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admins' })), errorName('GroupExistsException'));
    await assert.rejects(sdk.send(new CreateGroupCommand({ UserPoolId: 'us-east-1_Missing', GroupName: 'x' })), errorName('ResourceNotFoundException'));
    const updated = await sdk.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'admins', Description: 'The admins' }));
    assert.equal(updated.Group?.Description, 'The admins');
    assert.equal(updated.Group?.Precedence, 1, 'fields left out keep their values');
    assert.equal((await sdk.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'admins' }))).Group?.Description, 'The admins');
    await assert.rejects(sdk.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'nobody' })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'nobody' })), errorName('ResourceNotFoundException'));

    for (const name of ['g1', 'g2', 'g3', 'g4']) await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: name }));
    const names: string[] = [];
    for await (const page of paginateListGroups({ client: sdk, pageSize: 2 }, { UserPoolId: poolId })) names.push(...page.Groups!.map((g) => g.GroupName!));
    assert.deepEqual(names, ['admins', 'g1', 'g2', 'g3', 'g4']);

    const email = uniqueEmail('member');
    const { temporary } = await invite(email);
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'admins' }));
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'admins' }));
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'g2' }));
    await assert.rejects(sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'nobody' })), errorName('ResourceNotFoundException'));
    await assert.rejects(sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'ghost@example.com', GroupName: 'admins' })), errorName('UserNotFoundException'));
    const forUser = await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: email, Limit: 1 }));
    assert.deepEqual(forUser.Groups?.map((g) => g.GroupName), ['admins']);
    const forUser2 = await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: email, NextToken: forUser.NextToken }));
    assert.deepEqual(forUser2.Groups?.map((g) => g.GroupName), ['g2']);
    const members = await sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'admins' }));
    assert.deepEqual(members.Users?.map((u) => u.Attributes?.find((a) => a.Name === 'email')?.Value), [email]);

    const tokens = await activate(email, temporary);
    assert.deepEqual(decodeJwt(tokens.IdToken!)['cognito:groups'], ['admins', 'g2']);

    await sdk.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'g2' }));
    await sdk.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: 'admins' }));
    await assert.rejects(sdk.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: 'admins' })), errorName('ResourceNotFoundException'));
    assert.deepEqual((await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: email }))).Groups, []);
    await assert.rejects(sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'admins' })), errorName('ResourceNotFoundException'));
  });

  it('AdminCreateUser emails a temporary password that signs in to NEW_PASSWORD_REQUIRED; RESEND, SUPPRESS and duplicates', async () => {
    const email = uniqueEmail('invited');
    const { user, temporary, mail } = await invite(email, { name: 'Ivy', 'custom:team': 'blue' });
    assert.equal(user.UserStatus, 'FORCE_CHANGE_PASSWORD');
    assert.equal(mail.subject, 'Welcome aboard');
    assert.ok(mail.text.includes(`Hello ${email}`));
    assert.ok(temporary.length >= 10);
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email })), errorName('UsernameExistsException'));

    const before = t.mail.messages.length;
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: 'RESEND' }));
    const resent = TEMP_PASSWORD.exec((await t.mail.waitFor(email, { after: before })).text)?.[1];
    assert.ok(resent && resent !== temporary);
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: appClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: temporary } })), errorName('NotAuthorizedException'));
    const tokens = await activate(email, resent);
    assert.equal(decodeJwt(tokens.IdToken!).name, 'Ivy');
    assert.equal((await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }))).UserStatus, 'CONFIRMED');
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: 'RESEND' })), errorName('UnsupportedUserStateException'));
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ghost@example.com', MessageAction: 'RESEND' })), errorName('UserNotFoundException'));

    const quiet = uniqueEmail('quiet');
    const count = t.mail.messages.length;
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: quiet, TemporaryPassword: 'Quiet-Temp-1', MessageAction: 'SUPPRESS' }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.mail.messages.slice(count).filter((m) => m.to.includes(quiet)).length, 0);

    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: uniqueEmail(), TemporaryPassword: 'short' })), errorName('InvalidPasswordException'));
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'not-an-email' })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: uniqueEmail(), UserAttributes: [{ Name: 'shoe_size', Value: '9' }] })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: 'us-east-1_Missing', Username: uniqueEmail() })), errorName('ResourceNotFoundException'));
  });

  it('updates and deletes attributes, resets passwords by email code, and deletes users', async () => {
    const email = uniqueEmail('attrs');
    await sdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: email, TemporaryPassword: 'Attr-Temp-123', MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email_verified', Value: 'true' }, { Name: 'custom:badge', Value: 'b-1' }],
    }));
    await activate(email, 'Attr-Temp-123');
    await sdk.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributes: [{ Name: 'given_name', Value: 'Gia' }, { Name: 'custom:team', Value: 'red' }] }));
    let got = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }));
    const attr = (name: string) => got.UserAttributes?.find((a) => a.Name === name)?.Value;
    assert.equal(attr('given_name'), 'Gia');
    assert.equal(attr('custom:team'), 'red');
    assert.equal(attr('email_verified'), 'true');
    await assert.rejects(sdk.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributes: [{ Name: 'custom:badge', Value: 'b-2' }] })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributes: [{ Name: 'email', Value: 'nope' }] })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributes: [{ Name: 'sub', Value: 'x' }] })), errorName('InvalidParameterException'));

    await sdk.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributeNames: ['given_name'] }));
    got = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }));
    assert.equal(attr('given_name'), undefined);
    await assert.rejects(sdk.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributeNames: ['email'] })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: email, UserAttributeNames: ['shoe_size'] })), errorName('InvalidParameterException'));

    const before = t.mail.messages.length;
    await sdk.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: email }));
    assert.equal((await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }))).UserStatus, 'RESET_REQUIRED');
    await assert.rejects(sdk.send(new InitiateAuthCommand({ ClientId: appClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } })), errorName('PasswordResetRequiredException'));
    const code = await t.mail.codeFor(email, { after: before });
    await sdk.send(new ConfirmForgotPasswordCommand({ ClientId: appClientId, Username: email, ConfirmationCode: code, Password: 'Brand-New-Pass-7' }));
    const signedIn = await sdk.send(new InitiateAuthCommand({ ClientId: appClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'Brand-New-Pass-7' } }));
    assert.ok(signedIn.AuthenticationResult?.AccessToken);

    await sdk.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: email }));
    await assert.rejects(sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email })), errorName('UserNotFoundException'));
    await assert.rejects(sdk.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: email })), errorName('UserNotFoundException'));
    await assert.rejects(sdk.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: email })), errorName('UserNotFoundException'));

    const mover = uniqueEmail('mover');
    const moved = uniqueEmail('moved');
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: mover, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const count = t.mail.messages.length;
    await sdk.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: mover, UserAttributes: [{ Name: 'email', Value: moved }] }));
    assert.match(await t.mail.codeFor(moved, { after: count }), /^\d{6}$/, 'the new address gets a verification code');
    const movedUser = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: moved }));
    assert.equal(movedUser.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value, 'false');
    await assert.rejects(sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: mover })), errorName('UserNotFoundException'));
  });

  it('ListUsers: limits, the paginator, AttributesToGet and the Filter syntax', async () => {
    const pool = (await sdk.send(new CreateUserPoolCommand({ PoolName: 'listing', AliasAttributes: ['email'] }))).UserPool!.Id!;
    const people = [['ann', 'Ann', 'Smith'], ['anton', 'Anton', 'Smythe'], ['bea', 'Bea', 'Smith'], ['carl', 'Carl', 'Jones'], ['dora', 'Dora', 'Quote"d']];
    for (const [username, given, family] of people) {
      await sdk.send(new AdminCreateUserCommand({
        UserPoolId: pool, Username: username, MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'given_name', Value: given! }, { Name: 'family_name', Value: family! }, { Name: 'email', Value: `${username}@example.com` }],
      }));
    }
    const all: string[] = [];
    let pages = 0;
    for await (const page of paginateListUsers({ client: sdk, pageSize: 2 }, { UserPoolId: pool })) {
      pages++;
      all.push(...page.Users!.map((u) => u.Username!));
    }
    assert.deepEqual(all, ['ann', 'anton', 'bea', 'carl', 'dora']);
    assert.equal(pages, 3);

    const list = async (Filter: string, extra: Record<string, unknown> = {}) =>
      (await sdk.send(new ListUsersCommand({ UserPoolId: pool, Filter, ...extra }))).Users!.map((u) => u.Username);
    assert.deepEqual(await list('username = "bea"'), ['bea']);
    assert.deepEqual(await list('username ^= "an"'), ['ann', 'anton']);
    assert.deepEqual(await list('family_name = "Smith"'), ['ann', 'bea']);
    assert.deepEqual(await list('family_name^="Sm"'), ['ann', 'anton', 'bea']);
    assert.deepEqual(await list('  given_name   =   "Carl"  '), ['carl']);
    assert.deepEqual(await list('email = "dora@example.com"'), ['dora']);
    assert.deepEqual(await list('family_name = "Quote\\"d"'), ['dora']);
    assert.deepEqual(await list('cognito:user_status = "FORCE_CHANGE_PASSWORD"'), ['ann', 'anton', 'bea', 'carl', 'dora']);
    assert.deepEqual(await list('status = "Enabled"'), ['ann', 'anton', 'bea', 'carl', 'dora']);
    assert.deepEqual(await list('family_name = "Nobody"'), []);
    assert.deepEqual(await list(''), ['ann', 'anton', 'bea', 'carl', 'dora']);
    const sub = (await sdk.send(new AdminGetUserCommand({ UserPoolId: pool, Username: 'carl' }))).UserAttributes!.find((a) => a.Name === 'sub')!.Value!;
    assert.deepEqual(await list(`sub = "${sub}"`), ['carl']);

    const filteredPage = await sdk.send(new ListUsersCommand({ UserPoolId: pool, Filter: 'family_name ^= "Sm"', Limit: 2 }));
    assert.deepEqual(filteredPage.Users!.map((u) => u.Username), ['ann', 'anton']);
    const filteredRest = await sdk.send(new ListUsersCommand({ UserPoolId: pool, Filter: 'family_name ^= "Sm"', Limit: 2, PaginationToken: filteredPage.PaginationToken }));
    assert.deepEqual(filteredRest.Users!.map((u) => u.Username), ['bea']);

    const trimmed = await sdk.send(new ListUsersCommand({ UserPoolId: pool, AttributesToGet: ['given_name'], Limit: 1 }));
    assert.deepEqual(trimmed.Users![0]!.Attributes, [{ Name: 'given_name', Value: 'Ann' }]);

    for (const bad of ['nickname = "x"', 'given_name != "x"', 'given_name = x', 'given_name = "x" and', 'given_name = "unterminated', '= "x"', 'given_name']) {
      await assert.rejects(sdk.send(new ListUsersCommand({ UserPoolId: pool, Filter: bad })), errorName('InvalidParameterException'), bad);
    }
    await assert.rejects(sdk.send(new ListUsersCommand({ UserPoolId: pool, Limit: 61 })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new ListUsersCommand({ UserPoolId: pool, PaginationToken: '%%%' })), errorName('InvalidParameterException'));
    await assert.rejects(sdk.send(new ListUsersCommand({ UserPoolId: 'us-east-1_Missing' })), errorName('ResourceNotFoundException'));

    const verified = [{ Name: 'email', Value: 'shared@example.com' }, { Name: 'email_verified', Value: 'true' }];
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: 'first', MessageAction: 'SUPPRESS', UserAttributes: verified }));
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: 'second', MessageAction: 'SUPPRESS', UserAttributes: verified })), errorName('AliasExistsException'));
    await assert.rejects(sdk.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: 'FIRST', MessageAction: 'SUPPRESS' })), errorName('UsernameExistsException'));
  });
});
