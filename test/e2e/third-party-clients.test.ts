import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import * as oidc from 'openid-client';
import { signUpThroughPages, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

const CALLBACK = 'http://localhost:3000/callback';

/** openid-client (the certified relying party library) runs the whole flow against OpenPool's discovery URL. */
describe('openid-client as the relying party', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.close());

  it('discovers, runs the code flow with PKCE, validates the ID token, reads userInfo, refreshes and revokes', async () => {
    const config = await oidc.discovery(new URL(t.issuer), t.clients.confidential.id, t.clients.confidential.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    assert.equal(config.serverMetadata().issuer, t.issuer);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256', state, nonce,
    });
    const web = new WebClient(t.url);
    const email = uniqueEmail('rp');
    const params = Object.fromEntries(url.searchParams);
    const done = await signUpThroughPages(t, web, params, email);
    assert.ok(done.location?.startsWith(CALLBACK));

    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims()!;
    assert.equal(claims.email, email);
    assert.equal(claims.aud, t.clients.confidential.id);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.email, email);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(refreshed.claims()!.sub, claims.sub);
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (e: { error?: string }) => e.error === 'invalid_grant');

    const machine = await oidc.discovery(new URL(t.issuer), t.clients.machine.id, t.clients.machine.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const cc = await oidc.clientCredentialsGrant(machine, { scope: 'openpool-example-api/write' });
    assert.ok(cc.access_token);
  });
});

/** aws-jwt-verify is what most Cognito apps verify tokens with; OpenPool's must pass it unchanged. */
describe('aws-jwt-verify as the token verifier', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ env: { ISSUER_BASE_URL: 'https://cognito-idp.us-east-1.amazonaws.com' } });
  });
  after(async () => t.close());

  it('accepts ID and access tokens with the Cognito issuer, pool id format and JWKS', async () => {
    const web = new WebClient(t.url);
    const email = uniqueEmail('jwt');
    const params = { response_type: 'code', client_id: t.clients.confidential.id, redirect_uri: CALLBACK, scope: 'openid email', state: 'j' };
    const done = await signUpThroughPages(t, web, params, email, STRONG_PASSWORD);
    const code = new URL(done.location!).searchParams.get('code')!;
    const res = await fetch(`${t.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${t.clients.confidential.id}:${t.clients.confidential.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }).toString(),
    });
    const tokens = (await res.json()) as { id_token: string; access_token: string };
    assert.equal(t.issuer, `https://cognito-idp.us-east-1.amazonaws.com/${t.poolId}`);
    const jwks = await (await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`)).json();

    const idVerifier = CognitoJwtVerifier.create({ userPoolId: t.poolId, tokenUse: 'id', clientId: t.clients.confidential.id });
    idVerifier.cacheJwks(jwks as never);
    const id = await idVerifier.verify(tokens.id_token);
    assert.equal(id.email, email);
    const accessVerifier = CognitoJwtVerifier.create({ userPoolId: t.poolId, tokenUse: 'access', clientId: t.clients.confidential.id, scope: 'email' });
    accessVerifier.cacheJwks(jwks as never);
    const access = await accessVerifier.verify(tokens.access_token);
    assert.equal(access.client_id, t.clients.confidential.id);
    await assert.rejects(accessVerifier.verify(tokens.id_token), 'an ID token is not an access token');

    const generic = JwtRsaVerifier.create({ issuer: t.issuer, audience: t.clients.confidential.id, jwksUri: `${t.url}/${t.poolId}/.well-known/jwks.json` });
    generic.cacheJwks(jwks as never);
    assert.equal((await generic.verify(tokens.id_token)).sub, id.sub);
  });
});
