import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { userPoolType } from '../../src/cognito/from-domain.js';
import { toPoolSettings } from '../../src/cognito/to-domain.js';
import { parseConfigFile, toPoolDefinitions } from '../../src/config/load.js';
import { buildConfigPlan, ConfigError, formatPath } from '../../src/core/pools/apply-config.js';
import {
  BREACHED_PASSWORD_FAILURE, breachedPasswordCheckEnabled, chosenPasswordFailures,
} from '../../src/core/pools/password-policy.js';
import type { BreachedPasswordList } from '../../src/core/ports.js';
import { AppError } from '../../src/errors/app-error.js';
import { breachedDigestsFile } from '../../src/config/paths.js';
import {
  breachedListFile, breachedPasswordList, bundledBreachedPasswords, inMemoryLookup, loadBreachedDigests, MIN_ENTRY_LENGTH,
  openBreachedDigestFile, openDigestLookup, writeBreachedDigestFile, type DigestLookup,
} from '../../src/infra/breached-passwords.js';
import { codeIn, coreDeps, emailPoolConfig, harness, REGION, STRONG_PASSWORD, type Harness } from './fixtures.js';

/** On the bundled list and within the default policy (8+, upper, lower, number, symbol); ranks from the file. */
const BREACHED = {
  top100k: 'P@ssw0rd', // rank 15,407
  beyond100k: 'Password1!', // rank 203,247
  lowerCased: 'Sasha_007', // "sasha_007" is rank 6,776; "Sasha_007" itself is not on the list
  another: '!QAZ2wsx', // rank 19,438
};
const ALL_BREACHED = Object.values(BREACHED);

const refusedAsBreached = (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, 'InvalidPassword');
  assert.equal(e.message, `Password did not conform with policy: ${BREACHED_PASSWORD_FAILURE}`);
  assert.deepEqual((e.detail as { failures: string[] }).failures, [BREACHED_PASSWORD_FAILURE]);
  return true;
};

describe('the bundled breached-password list', () => {
  const lines = readFileSync(breachedListFile(), 'utf8').split('\n');
  const warnings: string[] = [];
  const bundled = bundledBreachedPasswords((message) => warnings.push(message));

  it('is read from the digest file npm run build wrote, not loaded into memory', () => {
    assert.doesNotThrow(() => openBreachedDigestFile(breachedDigestsFile));
    assert.ok(bundled.isBreached('P@ssw0rd'));
    assert.deepEqual(warnings, []);
  });

  it('is found by module resolution and holds every entry a policy could allow, exactly and lower-cased', () => {
    assert.ok(lines.length >= 999_999, 'the whole top-1M file');
    const entries = lines.filter((p) => p.length >= MIN_ENTRY_LENGTH);
    // Every one of the 100,000 most common, and a stride through the rest of the million.
    const sample = [...entries.slice(0, 100_000), ...entries.filter((_, i) => i % 97 === 0)];
    const missing = sample.filter((p) => !bundled.isBreached(p));
    assert.deepEqual(missing, []);
    for (const password of ALL_BREACHED) assert.ok(bundled.isBreached(password), password);
    assert.ok(bundled.isBreached('PASSWORD1'), 'matched lower-cased');
    assert.ok(bundled.isBreached('QwErTy123'), 'matched lower-cased');
  });

  it('leaves strong passwords alone', () => {
    for (const password of [STRONG_PASSWORD, 'Correct-Horse-9-Battery', 'k7#Vq2!mZx9$Lp', 'Brand-New-Passw0rd']) {
      assert.equal(bundled.isBreached(password), false, password);
    }
  });

  it('reads a file in small chunks: short entries skipped, CRLF line ends and a missing last newline handled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpool-breached-'));
    try {
      const file = join(dir, 'list.txt');
      // Longer than a read chunk, so entries straddle chunk boundaries.
      const filler = Array.from({ length: 20_000 }, (_, i) => `filler-${i}`);
      writeFileSync(file, ['12345', 'abcdef', 'Dragon99', 'pässwörd', ...filler, 'tail-entry'].join('\r\n'));
      const digests = loadBreachedDigests(file);
      assert.equal(digests.length, 3 + filler.length + 1);
      // The same answers from memory and from a digest file (whose blocks of 512 the filler spans).
      const digestFile = join(dir, 'list.bin');
      assert.equal(writeBreachedDigestFile(digestFile, file), digests.length);
      const lookups: [string, DigestLookup][] = [['memory', inMemoryLookup(digests)], ['file', openBreachedDigestFile(digestFile, file)]];
      for (const [kind, lookup] of lookups) {
        const list = breachedPasswordList(() => lookup);
        for (const password of ['abcdef', 'Dragon99', 'pässwörd', 'PÄSSWÖRD', 'tail-entry', ...filler]) {
          assert.ok(list.isBreached(password), `${kind}: ${password}`);
        }
        for (const password of ['12345', 'abcde', 'dragon99\r', 'Dragon9', 'tail-entr', '', 'filler-20000', 'filler-']) {
          assert.equal(list.isBreached(password), false, `${kind}: ${JSON.stringify(password)}`);
        }
        // Matching is exact or lower-cased, never case-folded the other way: "Dragon99" is listed, "DRAGON99" is not.
        assert.equal(list.isBreached('DRAGON99'), false, kind);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the digest file', () => {
  let dir: string;
  let source: string;
  let digestFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openpool-digests-'));
    source = join(dir, 'list.txt');
    digestFile = join(dir, 'list.bin');
    writeFileSync(source, 'Dragon99\nsunshine\n');
    writeBreachedDigestFile(digestFile, source);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const damaged = (name: string, bytes: Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('is refused, saying why, when it is missing, of another layout, cut short or built from another list', () => {
    const good = readFileSync(digestFile);
    assert.throws(() => openBreachedDigestFile(join(dir, 'absent.bin'), source), /ENOENT/);
    const otherMagic = Buffer.from(good);
    otherMagic.write('OPBRD000', 0, 'latin1');
    assert.throws(() => openBreachedDigestFile(damaged('magic.bin', otherMagic), source), /not a digest file of this version/);
    assert.throws(() => openBreachedDigestFile(damaged('short.bin', good.subarray(0, good.length - 1)), source), /wrong length for 2 entries/);
    assert.throws(() => openBreachedDigestFile(damaged('header.bin', good.subarray(0, 10)), source), /ends early/);
    const otherSource = join(dir, 'other.txt');
    writeFileSync(otherSource, 'Dragon99\nsunshine\nletmein1\n');
    assert.throws(() => openBreachedDigestFile(digestFile, otherSource), /built from another list/);
  });

  it('falls back to the list in memory, with a warning, when the file cannot be used', () => {
    const warnings: string[] = [];
    const lookup = openDigestLookup(join(dir, 'absent.bin'), (message) => warnings.push(message), source);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /absent\.bin.*holding the list in memory/);
    const list = breachedPasswordList(() => lookup);
    assert.ok(list.isBreached('Sunshine'));
    assert.equal(list.isBreached('Correct-Horse-9-Battery'), false);
    const quiet: string[] = [];
    assert.ok(breachedPasswordList(() => openDigestLookup(digestFile, (m) => quiet.push(m), source)).isBreached('Dragon99'));
    assert.deepEqual(quiet, []);
  });
});

describe('the check in the password rules', () => {
  const settings = toPoolSettings({ PoolName: 'p' });
  const list: BreachedPasswordList = { isBreached: (p) => p === 'Listed-Passw0rd' };

  it('adds its failure after the policy\'s, only while the pool keeps the check on', () => {
    assert.deepEqual(chosenPasswordFailures({ breachedPasswords: list }, settings, 'Listed-Passw0rd'), [BREACHED_PASSWORD_FAILURE]);
    assert.deepEqual(chosenPasswordFailures({ breachedPasswords: list }, settings, 'Other-Passw0rd'), []);
    const off = toPoolSettings({ PoolName: 'p', BreachedPasswordCheck: 'DISABLED' });
    assert.deepEqual(chosenPasswordFailures({ breachedPasswords: list }, off, 'Listed-Passw0rd'), []);
    const everything: BreachedPasswordList = { isBreached: () => true };
    assert.deepEqual(chosenPasswordFailures({ breachedPasswords: everything }, settings, 'short'), [
      'Password not long enough', 'Password must have uppercase characters', 'Password must have numeric characters',
      'Password must have symbol characters', BREACHED_PASSWORD_FAILURE,
    ]);
  });

  it('is on by default, for new pools and for stored pools that predate the setting', () => {
    assert.equal(settings.breachedPasswordCheck, true);
    const { breachedPasswordCheck: _, ...stored } = settings;
    assert.equal(breachedPasswordCheckEnabled(stored), true);
    const pool = { id: 'us-east-1_Old', name: 'old', settings: stored, createdAt: 0, updatedAt: 0 };
    assert.equal(userPoolType(pool, { region: REGION, estimatedUsers: 0 }).BreachedPasswordCheck, 'ENABLED');
    const off = { ...pool, settings: toPoolSettings({ PoolName: 'p', BreachedPasswordCheck: 'DISABLED' }) };
    assert.equal(userPoolType(off, { region: REGION, estimatedUsers: 0 }).BreachedPasswordCheck, 'DISABLED');
  });
});

const client = {
  ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
};

describe('every way of choosing a password refuses a breached one', () => {
  let h: Harness;
  before(async () => {
    h = await harness(emailPoolConfig({
      Clients: [client],
      Users: [
        { Username: 'carol@example.com', Password: STRONG_PASSWORD },
        { Username: 'temp@example.com', TemporaryPassword: STRONG_PASSWORD },
      ],
    }));
  });
  after(() => h.close());

  it('sign-up', async () => {
    for (const password of ALL_BREACHED) {
      await assert.rejects(h.services.users.signUp(h.pool, { username: 'new@example.com', password, attributes: {} }), refusedAsBreached);
    }
    assert.equal(await h.services.users.findBySignInName(h.pool, 'new@example.com'), undefined);
    assert.equal(h.deps.sender.messages.length, 0, 'no code sent for a refused sign-up');
  });

  it('ChangePassword, keeping the old password', async () => {
    const signedIn = await h.services.api.passwordSignIn(h.pool, h.clients.app!, 'carol@example.com', STRONG_PASSWORD);
    assert.equal(signedIn.kind, 'tokens');
    const accessToken = signedIn.kind === 'tokens' ? signedIn.tokens.accessToken : '';
    await assert.rejects(h.services.api.changePassword(accessToken, STRONG_PASSWORD, BREACHED.lowerCased), refusedAsBreached);
    assert.equal((await h.services.users.authenticatePassword(h.pool, 'carol@example.com', STRONG_PASSWORD)).kind, 'authenticated');
  });

  it('ConfirmForgotPassword, before the code is spent', async () => {
    await h.services.users.forgotPassword(h.pool, 'carol@example.com');
    const code = codeIn(h.deps.sender.messages.at(-1));
    await assert.rejects(h.services.users.confirmForgotPassword(h.pool, 'carol@example.com', code, BREACHED.beyond100k), refusedAsBreached);
    await h.services.users.confirmForgotPassword(h.pool, 'carol@example.com', code, 'Brand-New-Passw0rd');
  });

  it('AdminSetUserPassword, permanent or temporary', async () => {
    const carol = (await h.services.users.findBySignInName(h.pool, 'carol@example.com'))!;
    await assert.rejects(h.services.users.adminSetPassword(h.pool, carol, BREACHED.top100k, true), refusedAsBreached);
    await assert.rejects(h.services.users.adminSetPassword(h.pool, carol, BREACHED.top100k, false), refusedAsBreached);
  });

  it('NEW_PASSWORD_REQUIRED, leaving the user to choose again', async () => {
    const challenge = await h.services.api.passwordSignIn(h.pool, h.clients.app!, 'temp@example.com', STRONG_PASSWORD);
    assert.ok(challenge.kind === 'challenge' && challenge.challengeName === 'NEW_PASSWORD_REQUIRED');
    await assert.rejects(h.services.api.respondNewPassword(h.pool, h.clients.app!, challenge.session, BREACHED.another, {}), refusedAsBreached);
    const done = await h.services.api.respondNewPassword(h.pool, h.clients.app!, challenge.session, 'Temp-Now-Mine-42!', {});
    assert.equal(done.kind, 'tokens');
  });

  it('AdminCreateUser with a TemporaryPassword; a generated one is not checked', async () => {
    await assert.rejects(
      h.services.admin.createUser(h.pool, { username: 'invited@example.com', attributes: { email: 'invited@example.com' }, temporaryPassword: BREACHED.top100k }),
      refusedAsBreached,
    );
    const real = h.deps.breachedPasswords;
    h.deps.breachedPasswords = { isBreached: () => true };
    try {
      const user = await h.services.admin.createUser(h.pool, { username: 'invited@example.com', attributes: { email: 'invited@example.com' }, messageAction: 'SUPPRESS' });
      assert.equal(user.status, 'FORCE_CHANGE_PASSWORD');
    } finally {
      h.deps.breachedPasswords = real;
    }
  });
});

describe('a pool with BreachedPasswordCheck DISABLED', () => {
  let h: Harness;
  before(async () => {
    h = await harness(emailPoolConfig({ BreachedPasswordCheck: 'DISABLED', Clients: [client] }));
  });
  after(() => h.close());

  it('accepts a listed password that meets its policy, and still enforces the policy', async () => {
    await h.services.users.signUp(h.pool, { username: 'lax@example.com', password: BREACHED.top100k, attributes: {} });
    await assert.rejects(
      h.services.users.signUp(h.pool, { username: 'weak@example.com', password: 'password', attributes: {} }),
      (e: unknown) => e instanceof AppError && e.code === 'InvalidPassword' && !(e.detail as { failures: string[] }).failures.includes(BREACHED_PASSWORD_FAILURE),
    );
  });
});

describe('config file users', () => {
  const file = (extra: Record<string, unknown>) => toPoolDefinitions(parseConfigFile({
    UserPools: [{ PoolName: 'p', ...extra, Users: [{ Username: 'alice', Password: BREACHED.top100k }, { Username: 'bob', TemporaryPassword: BREACHED.beyond100k }] }],
  }));

  it('a declared password on the list is reported with its path, like any policy failure', async () => {
    const deps = await coreDeps();
    try {
      const error = await buildConfigPlan(deps, file({}), REGION).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((i) => [formatPath(i.path), i.message]), [
        ['UserPools[0].Users[0].Password', BREACHED_PASSWORD_FAILURE],
        ['UserPools[0].Users[1].TemporaryPassword', BREACHED_PASSWORD_FAILURE],
      ]);
      const plan = await buildConfigPlan(deps, file({ BreachedPasswordCheck: 'DISABLED' }), REGION);
      assert.equal(plan.users.length, 2);
    } finally {
      await deps.storage.close();
    }
  });
});
