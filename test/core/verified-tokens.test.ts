import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOCK_SKEW_MS } from '../../src/core/keys/rotate.js';
import { isAppError } from '../../src/errors/app-error.js';
import { VERIFIED_TOKENS_KEPT } from '../../src/infra/jose-signer.js';
import { emailPoolConfig, harness, manualClock, type Harness, type ManualClock } from './fixtures.js';

const HOUR = 3_600_000;
const invalidToken = (message: RegExp) => (e: unknown) => isAppError(e) && e.code === 'InvalidToken' && message.test(e.message);

/**
 * The signer remembers tokens it has verified. What could change after the first verification
 * (the time, the pool's published keys) must be judged again on every later one.
 */
describe('verifying a token again', () => {
  const poolConfig = emailPoolConfig({ Clients: [{ ClientName: 'app', AccessTokenValidity: 1, TokenValidityUnits: { AccessToken: 'hours' } }] });

  async function withHarness(clock: ManualClock | undefined, test: (h: Harness) => Promise<void>) {
    const h = await harness(poolConfig, clock);
    try {
      await test(h);
    } finally {
      await h.close();
    }
  }

  it('refuses a token that verified before once it has expired, to the second', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    await withHarness(clock, async (h) => {
      const { signer } = h.deps;
      const exp = Math.floor(clock.now() / 1000) + 60;
      const token = await signer.sign(h.pool.id, 'access', { iss: h.deps.issuer.issuerFor(h.pool.id), exp, sub: 'u' });
      assert.equal((await signer.verify(token)).payload.sub, 'u');
      clock.advance(59_999);
      assert.equal((await signer.verify(token)).payload.exp, exp, 'still valid in its last second');
      clock.advance(1);
      await assert.rejects(signer.verify(token), invalidToken(/expired/));
      await assert.rejects(signer.verify(token), invalidToken(/expired/), 'and stays refused');
    });
  });

  it('refuses a token that verified before once its key is no longer published', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    await withHarness(clock, async (h) => {
      const { signer } = h.deps;
      // Lives longer than its key is published after a rotation (longest client token + skew).
      const token = await signer.sign(h.pool.id, 'access', { iss: h.deps.issuer.issuerFor(h.pool.id), exp: Math.floor(clock.now() / 1000) + 24 * 3600 });
      await signer.verify(token);
      await h.services.keys.rotate(h.pool.id);
      assert.equal((await signer.verify(token)).poolId, h.pool.id, 'a retired key is still published for a while');
      clock.advance(HOUR + CLOCK_SKEW_MS + 10_001);
      await assert.rejects(signer.verify(token), invalidToken(/not signed by a key of this user pool/));
    });
  });

  it('gives every caller the same payload, which nobody can change', async () => {
    await withHarness(undefined, async (h) => {
      const { signer } = h.deps;
      const token = await signer.sign(h.pool.id, 'access', { iss: h.deps.issuer.issuerFor(h.pool.id), exp: Math.floor(Date.now() / 1000) + 60, scope: 'openid' });
      const first = await signer.verify(token);
      assert.throws(() => { (first.payload as Record<string, unknown>).scope = 'openid aws.cognito.signin.user.admin'; }, TypeError);
      assert.equal((await signer.verify(token)).payload.scope, 'openid');
    });
  });

  it('still verifies every token after more distinct tokens than it keeps, and never accepts a changed one', async () => {
    await withHarness(undefined, async (h) => {
      const { signer } = h.deps;
      const iss = h.deps.issuer.issuerFor(h.pool.id);
      const exp = Math.floor(Date.now() / 1000) + 60;
      const tokens = await Promise.all(Array.from({ length: VERIFIED_TOKENS_KEPT + 50 }, (_, i) => signer.sign(h.pool.id, 'access', { iss, exp, n: i })));
      for (const t of tokens) await signer.verify(t);
      for (const i of [0, 1, VERIFIED_TOKENS_KEPT + 49]) assert.equal((await signer.verify(tokens[i]!)).payload.n, i);
      const [header, , signature] = tokens[1]!.split('.');
      const forged = `${header}.${tokens[0]!.split('.')[1]}.${signature}`;
      await assert.rejects(signer.verify(forged), invalidToken(/signature is invalid/));
    });
  });
});
