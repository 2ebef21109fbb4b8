import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CognitoIdentityProviderClient, InitiateAuthCommand, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sdkClient } from '../helpers/sdk.js';

const POOL_ID = 'us-east-1_NoSrp01';
const CLIENT_ID = 'nosrpclient00000000000001';

describe('config file extensions: SRP switched off for a pool, admin keys from the file', () => {
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  before(async () => {
    t = await startTestServer({
      config: {
        AdminAccessKeys: [{ AccessKeyId: 'AKIDCONFIGFILE', SecretAccessKey: 'config-file-secret-value' }],
        UserPools: [{
          Id: POOL_ID, PoolName: 'No SRP', SrpAuthentication: 'DISABLED',
          Clients: [{ ClientId: CLIENT_ID, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
          Users: [{ Username: 'grace', Password: 'Grace-Passw0rd!' }],
        }],
      },
    });
    sdk = sdkClient(t.url, { accessKeyId: 'AKIDCONFIGFILE', secretAccessKey: 'config-file-secret-value' });
  });
  after(async () => {
    sdk.destroy();
    await t.close();
  });

  it('refuses USER_SRP_AUTH, keeps no verifier, and still allows password sign-in', async () => {
    await assert.rejects(
      sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'grace', SRP_A: 'abcdef' } })),
      (e: Error) => e.name === 'InvalidParameterException' && /disabled/.test(e.message),
    );
    const ok = await sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'grace', PASSWORD: 'Grace-Passw0rd!' } }));
    assert.ok(ok.AuthenticationResult?.AccessToken);
    const user = await t.server.services.users.findBySignInName(await t.server.services.pools.get(POOL_ID), 'grace');
    const storage = await t.database.open();
    try {
      assert.equal(await storage.srpVerifiers.get(POOL_ID, user!.id), undefined, 'no verifier was derived or stored');
    } finally {
      await storage.close();
    }
  });

  it('signs admin calls with the file\'s keys, and then no longer accepts the development pair', async () => {
    const pools = await sdk.send(new ListUserPoolsCommand({ MaxResults: 5 }));
    assert.deepEqual(pools.UserPools?.map((p) => p.Id), [POOL_ID]);
    const dev = sdkClient(t.url);
    await assert.rejects(dev.send(new ListUserPoolsCommand({ MaxResults: 5 })), (e: Error) => e.name === 'UnrecognizedClientException');
    dev.destroy();
  });
});
