import { POOL_ID_PATTERN } from '../core/pools/ids.js';
import type { Issuer } from '../core/ports.js';

/** `iss` = base URL + "/" + pool id; the base is PUBLIC_URL, or ISSUER_BASE_URL to keep Cognito's. */
export function createUrlIssuer(baseUrl: string): Issuer {
  const prefix = `${baseUrl}/`;
  return {
    issuerFor: (poolId) => `${prefix}${poolId}`,
    poolIdOf(issuer) {
      if (!issuer.startsWith(prefix)) return undefined;
      const poolId = issuer.slice(prefix.length);
      return POOL_ID_PATTERN.test(poolId) ? poolId : undefined;
    },
  };
}
