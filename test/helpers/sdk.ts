import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/** The admin key of the example pool's server (and of test servers that don't set their own). */
export const DEV_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The AWS SDK's Cognito client pointed at an OpenPool server, as an app would point it: the endpoint is all that changes. */
export const sdkClient = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = DEV_CREDENTIALS) =>
  new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials });
