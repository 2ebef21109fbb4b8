import type { ConfigFile } from './schema.js';

export const POSTMAN_CALLBACK = 'https://oauth.pstmn.io/v1/callback';
export const EXAMPLE_CALLBACKS = ['https://localhost', 'http://localhost:3000/callback', POSTMAN_CALLBACK];
const USER_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];

/**
 * The example seeded on first start when no config file is given: a pool that signs in with
 * email, a public PKCE client, a confidential client, and a machine client for client_credentials.
 */
export const EXAMPLE_CONFIG: ConfigFile = {
  UserPools: [
    {
      PoolName: 'OpenPool Example',
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Schema: [{ Name: 'email', Required: true }],
      Clients: [
        {
          ClientName: 'example-public-pkce',
          CallbackURLs: EXAMPLE_CALLBACKS,
          LogoutURLs: ['https://localhost', 'http://localhost:3000/'],
          AllowedOAuthFlows: ['code', 'implicit'],
          AllowedOAuthScopes: USER_SCOPES,
          AllowedOAuthFlowsUserPoolClient: true,
          ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
        {
          ClientName: 'example-confidential',
          GenerateSecret: true,
          CallbackURLs: EXAMPLE_CALLBACKS,
          LogoutURLs: ['https://localhost', 'http://localhost:3000/'],
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: USER_SCOPES,
          AllowedOAuthFlowsUserPoolClient: true,
          ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
        {
          ClientName: 'example-machine',
          GenerateSecret: true,
          AllowedOAuthFlows: ['client_credentials'],
          AllowedOAuthScopes: ['openpool-example-api/read', 'openpool-example-api/write'],
          AllowedOAuthFlowsUserPoolClient: true,
        },
      ],
      ResourceServers: [
        {
          Identifier: 'openpool-example-api',
          Name: 'Example API',
          Scopes: [
            { ScopeName: 'read', ScopeDescription: 'Read access' },
            { ScopeName: 'write', ScopeDescription: 'Write access' },
          ],
        },
      ],
      Groups: [{ GroupName: 'admins', Precedence: 1, Description: 'Administrators' }],
    },
  ],
};
