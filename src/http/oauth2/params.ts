import { AppError } from '../../errors/app-error.js';

/**
 * Reads the named parameters from a parsed form or query as single strings. A repeated
 * parameter is invalid_request (RFC 6749 §3.1); unknown ones are ignored.
 */
export function readParams<K extends string>(source: unknown, names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  if (source === undefined || source === null) return out;
  if (typeof source !== 'object') throw new AppError('InvalidRequest', 'The request parameters are malformed.');
  const record = source as Record<string, unknown>;
  for (const name of names) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new AppError('InvalidRequest', `The ${name} parameter must appear once.`);
    out[name] = value;
  }
  return out;
}

export const AUTHORIZE_PARAMS = [
  'response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method', 'nonce',
  'prompt', 'identity_provider', 'idp_identifier', 'lang',
] as const;

/** The authorize parameters of a request, serialised to carry them from page to page. */
export function authorizeQueryString(params: Partial<Record<(typeof AUTHORIZE_PARAMS)[number], string>>, extra: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const name of AUTHORIZE_PARAMS) {
    const value = params[name];
    if (value !== undefined) search.set(name, value);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) search.set(k, v);
  return search.toString();
}
