import fp from 'fastify-plugin';
import { AppError } from '../../errors/app-error.js';

/**
 * True when a parsed request part (query, form, path parameters, JSON) holds U+0000 in any string,
 * keys included. Iterative, so a deeply nested JSON body cannot exhaust the stack.
 */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (next !== null && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

export const nulRefused = () => new AppError('InvalidRequest', 'A parameter contains a NUL character.');

/**
 * No OAuth, OIDC or Cognito parameter may contain NUL (RFC 6749 Appendix A; Cognito's patterns),
 * and PostgreSQL cannot store it in text at all: refused at the edge, so both backends see the
 * same input and a %00 never reaches a query. Registered inside the OAuth and hosted-page plugins,
 * so each renders the error its own way; the JSON API's body is parsed later (SigV4 signs the raw
 * text), so it checks there.
 */
export const rejectNul = fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      if (containsNul(request.query) || containsNul(request.params) || (typeof request.body === 'object' && containsNul(request.body))) {
        throw nulRefused();
      }
    });
  },
  { name: 'openpool-reject-nul' },
);
