import type { RateLimitCounter } from '../core/ports.js';
import type { Services } from '../core/services.js';

/** What the HTTP layer needs besides the use cases: how it is reached from outside. */
export interface HttpSettings {
  publicUrl: string;
  secureCookies: boolean;
  /** Signs the CSRF cookie (derived from the master key). */
  cookieSecret: string;
  bodyLimit: number;
  /** Region named in ARNs the Cognito API returns. */
  region: string;
  /** Access keys that may sign admin calls of the Cognito API. */
  adminKeys: { accessKeyId: string; secretAccessKey: string }[];
  /** Per-IP budget a minute of the sign-in, sign-up, code-sending and token endpoints (RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute: number;
  /** Rate-limit counts shared by every instance (PostgreSQL); absent, each process counts in memory. */
  sharedRateLimits?: RateLimitCounter;
  /**
   * Reverse proxies (addresses, CIDR ranges, or loopback / linklocal / uniquelocal) whose
   * X-Forwarded-For is believed; absent, the socket's address is the client's.
   */
  trustProxy?: string;
}

export interface AppContext {
  services: Services;
  settings: HttpSettings;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    httpSettings: HttpSettings;
  }
}
