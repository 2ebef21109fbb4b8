import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_CODE_ATTEMPTS } from '../../src/core/users/codes.js';
import { AppError } from '../../src/errors/app-error.js';
import { codeIn, emailPoolConfig, harness, STRONG_PASSWORD, type Harness } from './fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const failsWith = (code: string) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, code, e.message);
  return true;
};
/** A 6-digit code that is certainly not `code`. */
const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

describe('sign-up and confirmation (email as username)', () => {
  let h: Harness;
  before(async () => { h = await harness(emailPoolConfig()); });
  after(() => h.close());

  it('stores a UUID username with the email as its alias, and sends a 6-digit code that is stored only as a digest', async () => {
    const sent = h.deps.sender.messages.length;
    const result = await h.services.users.signUp(h.pool, { username: 'Alice@Example.com', password: STRONG_PASSWORD, attributes: {} });
    const { user } = result;
    assert.equal(result.userConfirmed, false);
    assert.match(user.username, UUID);
    assert.notEqual(user.username.toLowerCase(), 'alice@example.com');
    assert.equal(user.status, 'UNCONFIRMED');
    assert.equal(user.attributes.email, 'Alice@Example.com');
    assert.equal(user.attributes.email_verified, 'false');
    assert.equal(user.attributes.sub, user.id);
    assert.ok(user.passwordHash?.startsWith('$argon2id$'));
    assert.equal((await h.deps.storage.users.findByAlias(h.pool.id, 'email', 'alice@example.com'))?.id, user.id);
    assert.equal((await h.deps.storage.users.findByUsernameKey(h.pool.id, user.username.toLowerCase()))?.id, user.id);
    assert.equal(await h.deps.storage.users.findByUsernameKey(h.pool.id, 'alice@example.com'), undefined);

    assert.equal(h.deps.sender.messages.length, sent + 1);
    const message = h.deps.sender.messages.at(-1)!;
    assert.equal(message.to, 'Alice@Example.com');
    assert.equal(message.kind, 'signup_code');
    assert.equal(message.poolId, h.pool.id);
    const code = codeIn(message);
    assert.match(code, /^\d{6}$/);
    assert.deepEqual(result.codeDelivery, { destination: 'A***@E***', medium: 'EMAIL', attributeName: 'email' });

    const stored = await h.deps.storage.codes.get(h.pool.id, user.id, 'signup');
    assert.ok(stored);
    assert.notEqual(stored.codeHash, code);
    assert.equal(stored.codeHash.includes(code), false);
    assert.equal(stored.attempts, 0);
  });

  it('refuses a second sign-up with the same email, whatever its case', async () => {
    await h.services.users.signUp(h.pool, { username: 'dup@example.com', password: STRONG_PASSWORD, attributes: {} });
    await assert.rejects(
      h.services.users.signUp(h.pool, { username: 'DUP@example.com', password: STRONG_PASSWORD, attributes: {} }),
      failsWith('UsernameExists'),
    );
  });

  it('refuses a username that is not an email, and a weak password, before creating anything', async () => {
    const before = await h.deps.storage.users.count(h.pool.id);
    await assert.rejects(h.services.users.signUp(h.pool, { username: 'plainname', password: STRONG_PASSWORD, attributes: {} }), failsWith('InvalidParameter'));
    await assert.rejects(h.services.users.signUp(h.pool, { username: 'weak@example.com', password: 'weak', attributes: {} }), failsWith('InvalidPassword'));
    assert.equal(await h.deps.storage.users.count(h.pool.id), before);
  });

  it(`${MAX_CODE_ATTEMPTS} wrong codes destroy the code: ExpiredCode afterwards, even with the right one`, async () => {
    const { user } = await h.services.users.signUp(h.pool, { username: 'guess@example.com', password: STRONG_PASSWORD, attributes: {} });
    const code = codeIn(h.deps.sender.messages.at(-1));
    const errors: string[] = [];
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      await h.services.users.confirmSignUp(h.pool, 'guess@example.com', wrong(code)).then(
        () => assert.fail('a wrong code was accepted'),
        (e: unknown) => errors.push((e as AppError).code),
      );
    }
    assert.equal(MAX_CODE_ATTEMPTS, 5);
    assert.deepEqual(errors, ['CodeMismatch', 'CodeMismatch', 'CodeMismatch', 'CodeMismatch', 'ExpiredCode']);
    await assert.rejects(h.services.users.confirmSignUp(h.pool, 'guess@example.com', code), failsWith('ExpiredCode'));
    assert.equal((await h.deps.storage.users.get(h.pool.id, user.id))?.status, 'UNCONFIRMED');

    await h.services.users.resendConfirmationCode(h.pool, 'guess@example.com');
    const fresh = codeIn(h.deps.sender.messages.at(-1));
    assert.equal((await h.services.users.confirmSignUp(h.pool, 'guess@example.com', fresh)).status, 'CONFIRMED');
  });

  it('confirming with the right code sets CONFIRMED and email_verified "true", once', async () => {
    const { user } = await h.services.users.signUp(h.pool, { username: 'bob@example.com', password: STRONG_PASSWORD, attributes: {} });
    const code = codeIn(h.deps.sender.messages.at(-1));
    await assert.rejects(h.services.users.confirmSignUp(h.pool, 'bob@example.com', wrong(code)), failsWith('CodeMismatch'));
    const confirmed = await h.services.users.confirmSignUp(h.pool, 'BOB@example.com', ` ${code} `);
    assert.equal(confirmed.status, 'CONFIRMED');
    assert.equal(confirmed.attributes.email_verified, 'true');
    const stored = await h.deps.storage.users.get(h.pool.id, user.id);
    assert.equal(stored?.status, 'CONFIRMED');
    assert.equal(stored?.attributes.email_verified, 'true');
    assert.equal(await h.deps.storage.codes.get(h.pool.id, user.id, 'signup'), undefined);
    await assert.rejects(h.services.users.confirmSignUp(h.pool, 'bob@example.com', code), failsWith('NotAuthorized'));
    await assert.rejects(h.services.users.resendConfirmationCode(h.pool, 'bob@example.com'), failsWith('InvalidParameter'));
  });

  it('an unknown user cannot be confirmed', async () => {
    await assert.rejects(h.services.users.confirmSignUp(h.pool, 'nobody@example.com', '123456'), failsWith('UserNotFound'));
  });
});

describe('sign-up in a pool where only administrators create users', () => {
  it('is NotAuthorized and sends nothing', async () => {
    const h = await harness(emailPoolConfig({ AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
    try {
      await assert.rejects(
        h.services.users.signUp(h.pool, { username: 'x@example.com', password: STRONG_PASSWORD, attributes: {} }),
        failsWith('NotAuthorized'),
      );
      assert.deepEqual(h.deps.sender.messages, []);
    } finally {
      await h.close();
    }
  });
});
