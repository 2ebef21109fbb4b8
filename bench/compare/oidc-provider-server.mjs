/**
 * node-oidc-provider as `npm run bench -- compare` runs it: one process on 127.0.0.1:$PORT, its
 * default in-memory adapter, an RS256 key (RSA 2048) made at start, and the clients, scope and
 * users that $BENCH_COMPARE_CONFIG names (JSON, written by bench/compare.ts). The provider module
 * is imported from $OIDC_PROVIDER_MODULE (bench/.compare, installed on demand, never a dependency).
 *
 * The only thing added to the provider is a minimal interaction endpoint for the setup's code
 * flows: the login prompt signs in the account named by login_hint, the consent prompt grants
 * what was asked. The measured requests go to the provider's own endpoints.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.env.BENCH_COMPARE_CONFIG ?? '{}');
const port = Number(process.env.PORT);
if (!process.env.OIDC_PROVIDER_MODULE || !port || !config.clients) {
  console.error('oidc-provider-server: needs PORT, OIDC_PROVIDER_MODULE and BENCH_COMPARE_CONFIG');
  process.exit(2);
}
const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);

const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };
const users = new Set(config.users);
const resource = config.resource; // the client_credentials audience: JWT access tokens, like OpenPool's

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.clients.confidential.id,
      client_secret: config.clients.confidential.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [config.callback],
    },
    {
      client_id: config.clients.machine.id,
      client_secret: config.clients.machine.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['bench-compare-cookie-key-0123456789abcdef'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: (_ctx, id) =>
    users.has(id) ? { accountId: id, claims: () => ({ sub: id, email: id, email_verified: true }) } : undefined,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Only the machine client's tokens are for the API; the code flow's access tokens stay
      // for the userinfo endpoint (oidc-provider accepts only its own opaque tokens there).
      defaultResource: (ctx, client, oneOf) => oneOf ?? (client?.clientId === config.clients.machine.id ? resource.id : undefined),
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== resource.id) throw new Provider.errors.InvalidTarget();
        return { scope: resource.scope, audience: resource.id, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  // Refresh tokens for the code flow's offline_access, reusable like Cognito's (not rotated).
  rotateRefreshToken: () => false,
  ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 30 * 24 * 3600, ClientCredentials: 3600, Interaction: 600, Session: 24 * 3600, Grant: 30 * 24 * 3600 },
});
provider.on('server_error', (_ctx, error) => console.error('server_error', error));

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === 'login') {
    if (!users.has(params.login_hint)) throw new Error(`unknown login_hint ${params.login_hint}`);
    result = { login: { accountId: params.login_hint } };
  } else if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    result = { consent: { grantId: await grant.save() } };
  } else {
    throw new Error(`unexpected prompt ${prompt.name}`);
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
http
  .createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error) => {
        console.error('interaction', error);
        res.statusCode = 500;
        res.end(String(error?.message ?? error));
      });
      return;
    }
    callback(req, res);
  })
  .listen(port, '127.0.0.1', () => console.error(`oidc-provider listening on ${issuer}`));
