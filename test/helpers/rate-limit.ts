/** Requests that count against the per-address rate limit, and what a refused one must look like. */
import assert from 'node:assert/strict';

/** POST /oauth2/token with client_credentials (HTTP Basic). */
export const clientCredentialsRequest = (baseUrl: string, client: { id: string; secret: string }) => fetch(`${baseUrl}/oauth2/token`, {
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
  },
  body: 'grant_type=client_credentials',
});

/** InitiateAuth USER_PASSWORD_AUTH for a user that does not exist (counted like any sign-in). */
export const unknownUserSignIn = (baseUrl: string, publicClientId: string) => fetch(baseUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
  body: JSON.stringify({ ClientId: publicClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'nobody@example.com', PASSWORD: 'Wrong-Horse-1' } }),
});

/** A refusal in the OAuth surface's form: 429, invalid_request, and a Retry-After within the window. */
export async function assertTokenRefused(res: Response): Promise<void> {
  assert.equal(res.status, 429);
  assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
}

/** A refusal in the Cognito API's form. */
export async function assertApiRefused(res: Response): Promise<void> {
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { __type: 'TooManyRequestsException', message: 'Rate exceeded' });
}

/**
 * The budget was spent through `first` in a window that began at the clock's current time:
 * 59 s later `first` is still refused; at 60 s a new window opens, for `second` and `first` alike.
 */
export async function assertWindowEndsAfterAMinute(clock: { advance(ms: number): void }, first: () => Promise<Response>, second: () => Promise<Response>): Promise<void> {
  clock.advance(59_000);
  assert.equal((await first()).status, 429, 'still inside the window');
  clock.advance(1_000);
  assert.equal((await second()).status, 200, 'a new window');
  assert.equal((await first()).status, 200);
}
