import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { CLOCK_SKEW_MS } from '../../src/core/keys/rotate.js';
import { createServices } from '../../src/core/services.js';
import { isAppError } from '../../src/errors/app-error.js';
import { createJoseSigner } from '../../src/infra/jose-signer.js';
import { createSecretBox } from '../../src/infra/secret-box.js';
import { emailPoolConfig, harness, manualClock } from './fixtures.js';

const HOUR = 3_600_000;
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const kids = (jwks: { keys: Record<string, unknown>[] }) => jwks.keys.map((k) => k.kid as string).sort();

/** Clients whose longest token lives 2 hours (an ID token), so a retired key is published 2 h + skew. */
const poolConfig = emailPoolConfig({
  Clients: [
    { ClientName: 'short', AccessTokenValidity: 10, TokenValidityUnits: { AccessToken: 'minutes' } },
    { ClientName: 'long-id', IdTokenValidity: 2, TokenValidityUnits: { IdToken: 'hours' } },
  ],
});

describe('signing-key rotation', () => {
  it('retires both keys for as long as the longest token lives, signs with the new ones at once, and verifies old tokens meanwhile', async () => {
    const clock = manualClock();
    const h = await harness(poolConfig, clock);
    try {
      const { signer } = h.deps;
      const oldAccess = await signer.sign(h.pool.id, 'access', { iss: h.deps.issuer.issuerFor(h.pool.id), exp: Math.floor(clock.now() / 1000) + 600 });
      const oldId = await signer.sign(h.pool.id, 'id', { iss: h.deps.issuer.issuerFor(h.pool.id), exp: Math.floor(clock.now() / 1000) + 7200 });
      const before = await signer.jwks(h.pool.id);

      const result = await h.services.keys.rotate(h.pool.id);
      assert.deepEqual(result.created.map((k) => k.purpose).sort(), ['access', 'id']);
      assert.deepEqual(result.retired.map((k) => k.kid).sort(), kids(before));
      for (const k of result.retired) assert.equal(k.publishUntil, clock.now() + 2 * HOUR + CLOCK_SKEW_MS);

      const newAccess = await signer.sign(h.pool.id, 'access', { iss: h.deps.issuer.issuerFor(h.pool.id) });
      assert.equal(kidOf(newAccess), result.created.find((k) => k.purpose === 'access')!.kid, 'the rotating process switches at once');
      const after = await signer.jwks(h.pool.id);
      assert.notEqual(after, before);
      assert.deepEqual(kids(after), [...kids(before), ...result.created.map((k) => k.kid)].sort());
      assert.equal((await signer.verify(oldAccess)).poolId, h.pool.id, 'tokens of a retired key still verify');
      assert.equal((await signer.verify(oldId)).poolId, h.pool.id);

      clock.advance(2 * HOUR + CLOCK_SKEW_MS);
      assert.deepEqual(kids(await signer.jwks(h.pool.id)), result.created.map((k) => k.kid).sort(), 'dropped once its tokens have expired');
      await assert.rejects(signer.verify(oldId), (e: unknown) => isAppError(e) && e.code === 'InvalidToken');

      const listed = await h.services.keys.list(h.pool.id);
      assert.deepEqual(listed.filter((k) => k.published).map((k) => k.kid).sort(), result.created.map((k) => k.kid).sort());
      const again = await h.services.keys.rotate(h.pool.id, ['access']);
      assert.deepEqual(again.deleted.sort(), kids(before), 'the next rotation removes keys past their publication');
      assert.deepEqual(again.created.map((k) => k.purpose), ['access']);
      assert.equal(again.keys.find((k) => k.purpose === 'id' && k.status === 'active')?.kid, result.created.find((k) => k.purpose === 'id')!.kid, 'the ID key is untouched');
    } finally {
      await h.close();
    }
  });

  it('another signer over the same database switches within its refresh period, reusing the JWKS while nothing changes', async () => {
    const clock = manualClock();
    const h = await harness(poolConfig, clock);
    try {
      const other = createJoseSigner({ keys: h.deps.storage.signingKeys, box: h.deps.box, clock, issuer: h.deps.issuer });
      const claims = { iss: h.deps.issuer.issuerFor(h.pool.id) };
      const oldKid = kidOf(await other.sign(h.pool.id, 'access', claims));
      const jwks = await other.jwks(h.pool.id);
      clock.advance(10_000);
      assert.equal(await other.jwks(h.pool.id), jwks, 'a refresh that finds the same keys keeps the same JWKS object (and ETag)');

      const { created } = await h.services.keys.rotate(h.pool.id);
      const newKid = created.find((k) => k.purpose === 'access')!.kid;
      assert.equal(kidOf(await other.sign(h.pool.id, 'access', claims)), oldKid, 'until its next refresh');
      clock.advance(9_999);
      assert.equal(kidOf(await other.sign(h.pool.id, 'access', claims)), oldKid);
      clock.advance(1);
      assert.equal(kidOf(await other.sign(h.pool.id, 'access', claims)), newKid);
      assert.notEqual(await other.jwks(h.pool.id), jwks);

      // A token from an instance that switched first: its unknown kid makes this one look again.
      await h.services.keys.rotate(h.pool.id, ['access']);
      const fromRotated = await h.deps.signer.sign(h.pool.id, 'access', { ...claims, exp: Math.floor(clock.now() / 1000) + 60 });
      clock.advance(5_001);
      assert.equal((await other.verify(fromRotated)).poolId, h.pool.id);
    } finally {
      await h.close();
    }
  });

  it('refuses an unknown pool, and a master key that cannot open the current keys', async () => {
    const h = await harness(poolConfig);
    try {
      await assert.rejects(h.services.keys.rotate('us-east-1_Missing1'), (e: unknown) => isAppError(e) && e.code === 'ResourceNotFound');
      await assert.rejects(h.services.keys.list('us-east-1_Missing1'), (e: unknown) => isAppError(e) && e.code === 'ResourceNotFound');
      const box = createSecretBox(randomBytes(32));
      const wrongKey = createServices({ ...h.deps, box, signer: createJoseSigner({ keys: h.deps.storage.signingKeys, box, clock: h.deps.clock, issuer: h.deps.issuer }) });
      const before = await h.services.keys.list(h.pool.id);
      await assert.rejects(wrongKey.keys.rotate(h.pool.id), /master key does not open/);
      assert.deepEqual(await h.services.keys.list(h.pool.id), before, 'nothing changed');
    } finally {
      await h.close();
    }
  });
});
