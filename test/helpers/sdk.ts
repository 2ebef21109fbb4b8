import { after, before } from 'node:test';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/** The admin key of the example pool's server (and of test servers that don't set their own). */
export const DEV_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The AWS SDK's Cognito client pointed at an OpenPool server, as an app would point it: the endpoint is all that changes. */
export const sdkClient = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = DEV_CREDENTIALS) =>
  new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials });

/**
 * A test server and an AWS SDK client for it, started before the suite's tests and closed after
 * them. `started` receives both once the server answers, and may set up more (clients, pools).
 */
export function serverWithSdk(
  started: (t: TestServer, sdk: CognitoIdentityProviderClient) => void | Promise<void>, options?: TestServerOptions,
): void {
  let t: TestServer | undefined;
  let sdk: CognitoIdentityProviderClient | undefined;
  before(async () => {
    t = await startTestServer(options);
    sdk = sdkClient(t.url);
    await started(t, sdk);
  });
  after(async () => {
    sdk?.destroy();
    await t?.close();
  });
}
