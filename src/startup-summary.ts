import type { ServerConfig } from './config/load.js';
import { POSTMAN_CALLBACK } from './config/defaults.js';
import type { Services } from './core/services.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * What a developer needs to point Postman or an app at the server, printed at every start.
 * Client secrets are shown only in a development setup (loopback address or a localhost PUBLIC_URL).
 */
export async function startupSummary(services: Services, config: ServerConfig): Promise<string> {
  // A development setup: bound to loopback, or reached at localhost (e.g. a local container).
  const showSecrets = LOOPBACK.has(config.host) || LOOPBACK.has(new URL(config.publicUrl).hostname);
  const lines = ['', `OpenPool is listening on ${config.publicUrl}`, ''];
  for (const pool of await services.pools.list()) {
    const issuer = services.issuer.issuerFor(pool.id);
    lines.push(`User pool ${pool.name} (${pool.id})`);
    lines.push(`  Discovery URL  ${config.publicUrl}/${pool.id}/.well-known/openid-configuration`);
    lines.push(`  Issuer         ${issuer}`);
    lines.push(`  Auth URL       ${config.publicUrl}/oauth2/authorize`);
    lines.push(`  Token URL      ${config.publicUrl}/oauth2/token`);
    for (const stored of await services.pools.listClients(pool.id)) {
      const found = await services.pools.findClient(stored.id);
      const client = found?.client;
      if (!client) continue;
      const flows = client.settings.allowedOAuthFlows.join(', ') || 'none';
      lines.push(`  Client ${client.name}`);
      lines.push(`    Client ID      ${client.id}`);
      if (client.secret) lines.push(`    Client Secret  ${showSecrets ? client.secret : '(hidden: not a localhost setup; read it from the config or the admin API)'}`);
      lines.push(`    Flows          ${flows}`);
      if (client.settings.callbackUrls.length) {
        const callback = client.settings.callbackUrls.includes(POSTMAN_CALLBACK) ? POSTMAN_CALLBACK : client.settings.callbackUrls[0];
        lines.push(`    Callback URL   ${callback}`);
      }
      if (client.settings.allowedOAuthScopes.length) lines.push(`    Scopes         ${client.settings.allowedOAuthScopes.join(' ')}`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
