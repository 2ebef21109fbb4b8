import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/app-error.js';
import {
  assertPasswordPolicy, DEFAULT_PASSWORD_POLICY, describePasswordPolicy, MAX_PASSWORD_LENGTH, passwordPolicyFailures,
} from '../../src/core/pools/password-policy.js';

const policy = DEFAULT_PASSWORD_POLICY;
const failures = (password: string, p = policy) => passwordPolicyFailures(p, password);

describe('password policy', () => {
  it('accepts a password meeting every rule of the default policy', () => {
    assert.deepEqual(failures('Passw0rd!'), []);
  });

  it('reports each broken rule in Cognito\'s words', () => {
    assert.deepEqual(failures('Pa1!'), ['Password not long enough']);
    assert.deepEqual(failures('PASSW0RD!'), ['Password must have lowercase characters']);
    assert.deepEqual(failures('passw0rd!'), ['Password must have uppercase characters']);
    assert.deepEqual(failures('Password!'), ['Password must have numeric characters']);
    assert.deepEqual(failures('Passw0rd'), ['Password must have symbol characters']);
    assert.deepEqual(failures('abc'), [
      'Password not long enough',
      'Password must have uppercase characters',
      'Password must have numeric characters',
      'Password must have symbol characters',
    ]);
  });

  it('checks the minimum and maximum length at their boundaries', () => {
    const at = (n: number) => `Aa1!${'x'.repeat(n - 4)}`;
    assert.deepEqual(failures(at(7)), ['Password not long enough']);
    assert.deepEqual(failures(at(8)), []);
    const twelve = { ...policy, minimumLength: 12 };
    assert.deepEqual(failures(at(11), twelve), ['Password not long enough']);
    assert.deepEqual(failures(at(12), twelve), []);
    assert.equal(MAX_PASSWORD_LENGTH, 256);
    assert.deepEqual(failures(at(256)), []);
    assert.deepEqual(failures(at(257)), ['Password is too long']);
  });

  it('counts every character of Cognito\'s symbol set, the space included, as a symbol', () => {
    for (const symbol of '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ') {
      assert.deepEqual(failures(`Pass${symbol}w0rd`), [], `symbol ${JSON.stringify(symbol)}`);
    }
    for (const notSymbol of ['€', '£', '§', 'é', '\t', '\u00a0']) {
      assert.deepEqual(failures(`Pass${notSymbol}w0rd`), ['Password must have symbol characters'], `not a symbol: ${JSON.stringify(notSymbol)}`);
    }
  });

  it('refuses a leading or trailing space', () => {
    assert.ok(failures(' Passw0rd!').includes('Password must not begin or end with a space'));
    assert.ok(failures('Passw0rd! ').includes('Password must not begin or end with a space'));
  });

  it('only applies the rules the policy turns on', () => {
    const lax = { ...policy, minimumLength: 6, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false };
    assert.deepEqual(failures('aaaaaa', lax), []);
    assert.deepEqual(failures('aaaaa', lax), ['Password not long enough']);
    assert.deepEqual(failures('ABCDEFG1!', { ...policy, requireLowercase: false }), []);
    assert.deepEqual(failures('Password1', { ...policy, requireSymbols: false }), []);
  });

  it('assertPasswordPolicy throws InvalidPassword with the first failure and all of them in detail', () => {
    assert.doesNotThrow(() => assertPasswordPolicy(policy, 'Passw0rd!'));
    assert.throws(
      () => assertPasswordPolicy(policy, 'short'),
      (e: unknown) => {
        assert.ok(e instanceof AppError);
        assert.equal(e.code, 'InvalidPassword');
        assert.equal(e.message, 'Password did not conform with policy: Password not long enough');
        assert.deepEqual((e.detail as { failures: string[] }).failures, [
          'Password not long enough',
          'Password must have uppercase characters',
          'Password must have numeric characters',
          'Password must have symbol characters',
        ]);
        return true;
      },
    );
  });

  it('describes the rules for forms', () => {
    assert.deepEqual(describePasswordPolicy(policy), ['at least 8 characters', 'an uppercase letter', 'a lowercase letter', 'a number', 'a symbol']);
    assert.deepEqual(describePasswordPolicy({ ...policy, minimumLength: 10, requireSymbols: false, requireUppercase: false }), [
      'at least 10 characters', 'a lowercase letter', 'a number',
    ]);
  });
});
