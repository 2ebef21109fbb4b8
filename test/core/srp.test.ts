import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  computeVerifier, formatSrpTimestamp, g, hashHex, k, modPow, N, N_HEX, padHex, parseSrpTimestamp, SrpError,
  startPasswordVerifier, verifyPasswordClaim,
} from '../../src/core/auth/srp.js';

/*
 * The oracle is amazon-cognito-identity-js, the client Cognito's own SDKs and Amplify grew from:
 * if it signs in against our server half, real clients will. Its internals are CommonJS without
 * types, so they are loaded with require and described by the few members used here.
 */
interface ClientBigInteger {
  toString(radix: number): string;
  modPow(e: ClientBigInteger, m: ClientBigInteger, cb: (err: unknown, r: ClientBigInteger) => void): void;
}
interface ClientHelper {
  N: ClientBigInteger;
  g: ClientBigInteger;
  k: ClientBigInteger;
  getLargeAValue(cb: (err: unknown, a: ClientBigInteger) => void): void;
  getPasswordAuthenticationKey(
    username: string, password: string, serverB: ClientBigInteger, salt: ClientBigInteger,
    cb: (err: unknown, hkdf: Uint8Array) => void,
  ): void;
  padHex(n: ClientBigInteger): string;
  hash(text: string): string;
  hexHash(hex: string): string;
}
const require = createRequire(import.meta.url);
const pkgRequire = createRequire(require.resolve('amazon-cognito-identity-js/lib/AuthenticationHelper'));
const AuthenticationHelper: new (poolName: string) => ClientHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper').default;
const BigInteger: new (hex: string, radix: number) => ClientBigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;
const DateHelper: new () => { getNowString(): string } = require('amazon-cognito-identity-js/lib/DateHelper').default;
const { Sha256 } = pkgRequire('@aws-crypto/sha256-js') as {
  Sha256: new (key?: Uint8Array) => { update(data: Uint8Array): void; digestSync(): Uint8Array };
};

const big = (n: bigint) => new BigInteger(n.toString(16), 16);
const clientModPow = (base: bigint, e: bigint, m: bigint) =>
  new Promise<bigint>((resolve, reject) =>
    big(base).modPow(big(e), big(m), (err, r) => (err ? reject(err) : resolve(BigInt(`0x${r.toString(16)}`)))));

const POOL_ID = 'eu-west-1_AbC123xyz';
const POOL_NAME = POOL_ID.split('_')[1]!;

interface Claim {
  poolName: string; userIdForSrp: string; verifierHex: string; bHex: string; srpAHex: string; srpBHex: string;
  secretBlockB64: string; timestamp: string; signatureB64: string;
}

/**
 * One USER_SRP_AUTH sign-in: the client's half exactly as CognitoUser.authenticateUserDefaultAuth
 * does it (A unpadded on the wire, SALT and SRP_B parsed as integers, signature = HMAC over pool
 * name, USER_ID_FOR_SRP, the decoded SECRET_BLOCK and DateHelper's timestamp), our half from srp.ts.
 * Returns everything verifyPasswordClaim needs, so tests can tamper with one field at a time.
 */
async function signIn(opts: {
  stored: { salt: string; verifier: string };
  userIdForSrp: string;
  password: string;
  poolName?: string;
}): Promise<Claim> {
  const poolName = opts.poolName ?? POOL_NAME;
  const helper = new AuthenticationHelper(poolName);
  const A = await new Promise<ClientBigInteger>((resolve, reject) => helper.getLargeAValue((e, a) => (e ? reject(e) : resolve(a))));
  const srpAHex = A.toString(16);

  const { bHex, srpBHex } = startPasswordVerifier({ verifierHex: opts.stored.verifier, srpAHex, random: randomBytes });
  const secretBlockB64 = randomBytes(48).toString('base64');

  const hkdf = await new Promise<Uint8Array>((resolve, reject) =>
    helper.getPasswordAuthenticationKey(
      opts.userIdForSrp, opts.password, new BigInteger(srpBHex, 16), new BigInteger(opts.stored.salt, 16),
      (e, key) => (e ? reject(e) : resolve(key)),
    ));
  const timestamp = new DateHelper().getNowString();
  const mac = new Sha256(hkdf);
  mac.update(Buffer.concat([
    Buffer.from(poolName, 'utf8'),
    Buffer.from(opts.userIdForSrp, 'utf8'),
    Buffer.from(secretBlockB64, 'base64'),
    Buffer.from(timestamp, 'utf8'),
  ]));
  const signatureB64 = Buffer.from(mac.digestSync()).toString('base64');
  return { poolName, userIdForSrp: opts.userIdForSrp, verifierHex: opts.stored.verifier, bHex, srpAHex, srpBHex, secretBlockB64, timestamp, signatureB64 };
}

/** Runs fn with `new Date()` fixed at `ms`, so DateHelper can be compared on chosen dates. */
function atFixedNow<T>(ms: number, fn: () => T): T {
  const Real = Date;
  class Fixed extends Real {
    constructor(value?: number | string | Date) {
      super(value ?? ms);
    }
  }
  globalThis.Date = Fixed as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = Real;
  }
}

const flipFirstChar = (b64: string) => (b64[0] === 'A' ? 'B' : 'A') + b64.slice(1);

describe('SRP constants and helpers', () => {
  it('N, g and k are the client\'s', () => {
    const helper = new AuthenticationHelper(POOL_NAME);
    assert.equal(N.toString(16), helper.N.toString(16));
    assert.equal(N.toString(2).length, 3072);
    assert.ok(N_HEX.startsWith('FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1'));
    assert.ok(N_HEX.endsWith('43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF'));
    assert.equal(g.toString(16), helper.g.toString(16));
    assert.equal(k.toString(16), helper.k.toString(16));
    assert.equal(k, BigInt(`0x${hashHex(`00${N_HEX}02`)}`));
  });

  it('padHex makes Java toByteArray hex: even length, 00 before a set top bit', () => {
    const cases: [bigint, string][] = [
      [0n, '00'], [1n, '01'], [0x7fn, '7f'], [0x80n, '0080'], [0xffn, '00ff'], [0x8n, '08'],
      [0x123n, '0123'], [0x8abn, '08ab'], [0xabcn, '0abc'], [0x1234n, '1234'], [0x9234n, '009234'],
      [0xfedcban, '00fedcba'], [0xedcban, 'edcba'.padStart(6, '0')],
    ];
    for (const [value, hex] of cases) assert.equal(padHex(value), hex, `padHex(0x${value.toString(16)})`);
    const helper = new AuthenticationHelper(POOL_NAME);
    for (let i = 0; i < 300; i++) {
      // Random lengths (odd and even digit counts) and random leading nibbles, against the client.
      const value = BigInt(`0x${randomBytes(1 + (i % 40)).toString('hex')}`) >> BigInt(i % 4);
      assert.equal(padHex(value), helper.padHex(big(value)), `0x${value.toString(16)}`);
    }
    assert.throws(() => padHex(-1n), SrpError);
  });

  it('hashHex hashes the decoded bytes, as the client does, and refuses malformed hex', () => {
    const helper = new AuthenticationHelper(POOL_NAME);
    for (const hex of ['', '00', '0080', randomBytes(33).toString('hex'), padHex(N)]) assert.equal(hashHex(hex), helper.hexHash(hex));
    assert.equal(hashHex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.throws(() => hashHex('abc'), SrpError);
    assert.throws(() => hashHex('zz'), SrpError);
  });

  it('modPow agrees with small arithmetic and with the client\'s BigInteger at 3072 bits', async () => {
    assert.equal(modPow(4n, 13n, 497n), 445n);
    assert.equal(modPow(2n, 10n, 1000n), 24n);
    assert.equal(modPow(5n, 0n, 7n), 1n);
    assert.equal(modPow(5n, 3n, 1n), 0n);
    assert.equal(modPow(-2n, 3n, 7n), 6n); // (-8) mod 7
    assert.equal(modPow(0n, 5n, 7n), 0n);
    assert.throws(() => modPow(2n, -1n, 7n), RangeError);
    assert.throws(() => modPow(2n, 1n, 0n), RangeError);
    for (let e = 0n; e < 40n; e++) assert.equal(modPow(3n, e, 1_000_003n), 3n ** e % 1_000_003n);
    // N is prime: Fermat's little theorem exercises a full 3072-bit exponent.
    assert.equal(modPow(g, N - 1n, N), 1n);
    assert.equal(modPow(123456789n, N - 1n, N), 1n);
    for (let i = 0; i < 3; i++) {
      const base = BigInt(`0x${randomBytes(384).toString('hex')}`);
      const exponent = BigInt(`0x${randomBytes(384).toString('hex')}`);
      assert.equal(modPow(base, exponent, N), await clientModPow(base, exponent, N));
    }
  });
});

describe('computeVerifier', () => {
  it('is v = g^H(PAD(salt) || H(poolName + username + ":" + password)) computed the client\'s way', async () => {
    const helper = new AuthenticationHelper(POOL_NAME);
    for (const salt of [randomBytes(16), Buffer.from('80'.repeat(16), 'hex'), Buffer.from('0000ff01', 'hex'), Buffer.from('0f', 'hex')]) {
      const { salt: saltHex, verifier } = computeVerifier(POOL_NAME, 'jörg', 'Pässw0rd!', salt);
      // The client's view of the salt: SALT parsed as an integer, then padded (generateHashDevice's recipe).
      const clientSalt = helper.padHex(new BigInteger(salt.toString('hex'), 16));
      assert.equal(saltHex, clientSalt);
      const x = BigInt(`0x${helper.hexHash(clientSalt + helper.hash(`${POOL_NAME}jörg:Pässw0rd!`))}`);
      assert.equal(BigInt(`0x${verifier}`), await clientModPow(2n, x, N));
      assert.equal(verifier, padHex(BigInt(`0x${verifier}`)));
    }
  });

  it('canonicalises the salt: leading zero bytes dropped, 00 added before a set top bit', () => {
    assert.equal(computeVerifier(POOL_NAME, 'u', 'p', Buffer.from('000012', 'hex')).salt, '12');
    assert.equal(computeVerifier(POOL_NAME, 'u', 'p', Buffer.from('c0ffee', 'hex')).salt, '00c0ffee');
    assert.equal(computeVerifier(POOL_NAME, 'u', 'p', Buffer.alloc(4)).salt, '00');
    assert.throws(() => computeVerifier(POOL_NAME, 'u', 'p', Buffer.alloc(0)), SrpError);
  });

  it('draws a fresh 16-byte salt by default', () => {
    const a = computeVerifier(POOL_NAME, 'u', 'p');
    const b = computeVerifier(POOL_NAME, 'u', 'p');
    assert.notEqual(a.salt, b.salt);
    assert.notEqual(a.verifier, b.verifier);
    assert.ok(a.salt.length <= 34);
  });
});

describe('USER_SRP_AUTH against amazon-cognito-identity-js', () => {
  const usernames = ['alice', 'jörg.müller', '用户名', 'emoji😀user', randomUUID()];
  for (const username of usernames) {
    it(`accepts the client's proof for ${JSON.stringify(username)}`, async () => {
      const password = 'Sup3r-Sécret✓';
      const claim = await signIn({ stored: computeVerifier(POOL_NAME, username, password), userIdForSrp: username, password });
      assert.equal(verifyPasswordClaim(claim), true);
    });
  }

  it('accepts proofs for salts whose client view differs from their bytes', async () => {
    for (const salt of [Buffer.from('00ff00ff', 'hex'), Buffer.from('ff'.repeat(16), 'hex'), Buffer.from('0001', 'hex')]) {
      const claim = await signIn({ stored: computeVerifier(POOL_NAME, 'bob', 'pw', salt), userIdForSrp: 'bob', password: 'pw' });
      assert.equal(verifyPasswordClaim(claim), true);
    }
  });

  it('accepts many sign-ins in a row (A and B with every kind of leading digit)', async () => {
    const stored = computeVerifier(POOL_NAME, 'carol', 'pw');
    for (let i = 0; i < 8; i++) {
      assert.equal(verifyPasswordClaim(await signIn({ stored, userIdForSrp: 'carol', password: 'pw' })), true);
    }
  });

  it('rejects a wrong password', async () => {
    const claim = await signIn({ stored: computeVerifier(POOL_NAME, 'dave', 'right'), userIdForSrp: 'dave', password: 'wrong' });
    assert.equal(verifyPasswordClaim(claim), false);
  });

  it('rejects a proof made for another user, pool or username spelling', async () => {
    const stored = computeVerifier(POOL_NAME, 'erin', 'pw');
    assert.equal(verifyPasswordClaim(await signIn({ stored, userIdForSrp: 'Erin', password: 'pw' })), false);
    assert.equal(verifyPasswordClaim(await signIn({ stored, userIdForSrp: 'erin', password: 'pw', poolName: 'Other123' })), false);
    const claim = await signIn({ stored, userIdForSrp: 'erin', password: 'pw' });
    assert.equal(verifyPasswordClaim({ ...claim, userIdForSrp: 'erin2' }), false);
    assert.equal(verifyPasswordClaim({ ...claim, poolName: 'Other123' }), false);
  });

  it('rejects a tampered secret block, timestamp, signature, B or b', async () => {
    const claim = await signIn({ stored: computeVerifier(POOL_NAME, 'frank', 'pw'), userIdForSrp: 'frank', password: 'pw' });
    assert.equal(verifyPasswordClaim(claim), true);
    assert.equal(verifyPasswordClaim({ ...claim, secretBlockB64: flipFirstChar(claim.secretBlockB64) }), false);
    assert.equal(verifyPasswordClaim({ ...claim, timestamp: `${claim.timestamp} ` }), false);
    const later = formatSrpTimestamp(new Date(parseSrpTimestamp(claim.timestamp)!.getTime() + 1000));
    assert.equal(verifyPasswordClaim({ ...claim, timestamp: later }), false);
    assert.equal(verifyPasswordClaim({ ...claim, signatureB64: flipFirstChar(claim.signatureB64) }), false);
    assert.equal(verifyPasswordClaim({ ...claim, signatureB64: claim.signatureB64.slice(0, 20) }), false);
    assert.equal(verifyPasswordClaim({ ...claim, signatureB64: '' }), false);
    assert.equal(verifyPasswordClaim({ ...claim, srpBHex: (BigInt(`0x${claim.srpBHex}`) + 1n).toString(16) }), false);
    assert.equal(verifyPasswordClaim({ ...claim, bHex: (BigInt(`0x${claim.bHex}`) + 1n).toString(16) }), false);
  });

  it('refuses A ≡ 0 (mod N), which would make S = 0 whatever the password', async () => {
    const { verifier } = computeVerifier(POOL_NAME, 'gina', 'pw');
    for (const srpAHex of ['0', '00', N.toString(16), (2n * N).toString(16)]) {
      assert.throws(() => startPasswordVerifier({ verifierHex: verifier, srpAHex, random: randomBytes }), SrpError, srpAHex);
    }
    // And an attacker who skips InitiateAuth's check still gets nothing: with A = 0, S = 0 and K is
    // known to anyone, so a signature built from it must not be accepted.
    const claim = await signIn({ stored: computeVerifier(POOL_NAME, 'gina', 'pw'), userIdForSrp: 'gina', password: 'pw' });
    for (const srpAHex of ['0', N.toString(16)]) assert.equal(verifyPasswordClaim({ ...claim, srpAHex }), false);
  });

  it('refuses an SRP_A that is not a hex number', () => {
    const { verifier } = computeVerifier(POOL_NAME, 'hal', 'pw');
    for (const srpAHex of ['', 'xyz', '0x12', '12 34', '-1', 'a'.repeat(5000)]) {
      assert.throws(() => startPasswordVerifier({ verifierHex: verifier, srpAHex, random: randomBytes }), SrpError, srpAHex);
    }
  });

  it('draws b again when b is 0 or B would be 0, and gives up on a broken random source', () => {
    const A = modPow(g, 12345n, N).toString(16);
    // A verifier chosen so that k·v ≡ −g^b (mod N) for b = 7, i.e. the first draw gives B = 0.
    const kInverse = modPow(k, N - 2n, N);
    const v = ((N - modPow(g, 7n, N)) * kInverse) % N;
    const draws = [Buffer.alloc(32), Buffer.from(`${'00'.repeat(31)}07`, 'hex'), Buffer.from(`${'00'.repeat(31)}09`, 'hex')];
    const sizes: number[] = [];
    const result = startPasswordVerifier({ verifierHex: v.toString(16), srpAHex: A, random: (n) => (sizes.push(n), draws.shift()!) });
    assert.deepEqual(sizes, [32, 32, 32]);
    assert.equal(result.bHex, '09');
    assert.equal(BigInt(`0x${result.srpBHex}`), (k * v + modPow(g, 9n, N)) % N);
    assert.throws(() => startPasswordVerifier({ verifierHex: v.toString(16), srpAHex: A, random: (n) => Buffer.alloc(n) }), SrpError);
  });

  it('is fast enough to sit on a request path', (t) => {
    const time = (fn: () => unknown, runs: number) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < runs; i++) fn();
      return Number(process.hrtime.bigint() - start) / 1e6 / runs;
    };
    const b = BigInt(`0x${randomBytes(32).toString('hex')}`);
    const stored = computeVerifier(POOL_NAME, 'ivan', 'pw');
    const A = modPow(g, BigInt(`0x${randomBytes(128).toString('hex')}`), N).toString(16);
    const started = startPasswordVerifier({ verifierHex: stored.verifier, srpAHex: A, random: randomBytes });
    const claim = { poolName: POOL_NAME, userIdForSrp: 'ivan', verifierHex: stored.verifier, ...started, srpAHex: A, secretBlockB64: 'AAAA', timestamp: 'x', signatureB64: 'AAAA' };
    const ms = {
      modPow256: time(() => modPow(g, b, N), 20),
      modPow3072: time(() => modPow(g, N - 1n, N), 5),
      computeVerifier: time(() => computeVerifier(POOL_NAME, 'ivan', 'pw'), 20),
      startPasswordVerifier: time(() => startPasswordVerifier({ verifierHex: stored.verifier, srpAHex: A, random: randomBytes }), 20),
      verifyPasswordClaim: time(() => verifyPasswordClaim(claim), 20),
    };
    t.diagnostic(`SRP ms per call: ${JSON.stringify(Object.fromEntries(Object.entries(ms).map(([key, v]) => [key, Number(v.toFixed(2))])))}`);
    // A loose ceiling that only catches an accidental quadratic blow-up, not a slow CI machine.
    assert.ok(ms.verifyPasswordClaim < 500, `verifyPasswordClaim took ${ms.verifyPasswordClaim} ms`);
  });
});

describe('SRP timestamps', () => {
  it('formats like DateHelper: English names, unpadded day, padded time, UTC', () => {
    assert.equal(formatSrpTimestamp(new Date(Date.UTC(2024, 8, 3, 8, 5, 9))), 'Tue Sep 3 08:05:09 UTC 2024');
    assert.equal(formatSrpTimestamp(new Date(Date.UTC(2025, 0, 1, 0, 0, 0))), 'Wed Jan 1 00:00:00 UTC 2025');
    assert.equal(formatSrpTimestamp(new Date(Date.UTC(2024, 1, 29, 23, 59, 59))), 'Thu Feb 29 23:59:59 UTC 2024');
    const start = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 400; i++) {
      // Every day of a leap year, at a varying time of day, against the client's own formatter.
      const ms = start + i * 86_400_000 + ((i * 7_919_000) % 86_400_000);
      assert.equal(formatSrpTimestamp(new Date(ms)), atFixedNow(ms, () => new DateHelper().getNowString()));
    }
  });

  it('parses exactly what it formats', () => {
    const date = new Date(Date.UTC(2024, 8, 3, 8, 5, 9));
    assert.equal(parseSrpTimestamp('Tue Sep 3 08:05:09 UTC 2024')?.getTime(), date.getTime());
    assert.equal(parseSrpTimestamp('Sun Dec 31 23:59:59 UTC 2023')?.getTime(), Date.UTC(2023, 11, 31, 23, 59, 59));
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    assert.equal(parseSrpTimestamp(new DateHelper().getNowString())!.getTime() <= Date.now(), true);
    assert.equal(parseSrpTimestamp(formatSrpTimestamp(now))?.getTime(), now.getTime());
  });

  it('refuses anything else', () => {
    for (const text of [
      'Tue Sep 03 08:05:09 UTC 2024', // zero-padded day (Cognito refuses it too)
      'Wed Sep 3 08:05:09 UTC 2024', // wrong weekday
      'Fri Feb 30 08:05:09 UTC 2024', // no such date
      'Tue Sep 3 8:05:09 UTC 2024',
      'Tue Sep 3 08:5:09 UTC 2024',
      'Tue Sep 3 24:05:09 UTC 2024',
      'Tue Sep 3 08:60:09 UTC 2024',
      'Tue Sep 3 08:05:09 GMT 2024',
      'Tue Sep 3 08:05:09 UTC 24',
      'tue sep 3 08:05:09 UTC 2024',
      'Tue  Sep 3 08:05:09 UTC 2024',
      'Tue Sep 3 08:05:09 UTC 2024 ',
      'Tuesday Sep 3 08:05:09 UTC 2024',
      'Tue Sept 3 08:05:09 UTC 2024',
      '2024-09-03T08:05:09Z',
      '',
    ]) {
      assert.equal(parseSrpTimestamp(text), undefined, text);
    }
  });
});
