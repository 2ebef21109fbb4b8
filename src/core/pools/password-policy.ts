import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { PasswordPolicy, PoolSettings } from '../model.js';

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minimumLength: 8,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: true,
  temporaryPasswordValidityDays: 7,
  passwordHistorySize: 0,
};

export const MAX_PASSWORD_LENGTH = 256;

/** Cognito's symbol set, including the space. */
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ');

/** Each rule the password breaks, in Cognito's words. Empty when it passes. */
export function passwordPolicyFailures(policy: PasswordPolicy, password: string): string[] {
  const failures: string[] = [];
  if (password.length < policy.minimumLength) failures.push('Password not long enough');
  if (password.length > MAX_PASSWORD_LENGTH) failures.push('Password is too long');
  if (password !== password.trim()) failures.push('Password must not begin or end with a space');
  if (policy.requireUppercase && !/[A-Z]/.test(password)) failures.push('Password must have uppercase characters');
  if (policy.requireLowercase && !/[a-z]/.test(password)) failures.push('Password must have lowercase characters');
  if (policy.requireNumbers && !/[0-9]/.test(password)) failures.push('Password must have numeric characters');
  if (policy.requireSymbols && ![...password].some((c) => SYMBOLS.has(c))) failures.push('Password must have symbol characters');
  return failures;
}

export const BREACHED_PASSWORD_FAILURE = 'Password has appeared in a data breach and is too common; choose another';

/** Pools that predate the setting have it undefined, which means on. */
export const breachedPasswordCheckEnabled = (settings: PoolSettings) => settings.breachedPasswordCheck !== false;

/**
 * Each reason the pool refuses a password someone chooses: the policy's rules, then the list of
 * breached passwords (a password can satisfy every character rule and still be the first one an
 * attacker tries). Not for passwords the server generates.
 */
export function chosenPasswordFailures(deps: Pick<CoreDeps, 'breachedPasswords'>, settings: PoolSettings, password: string): string[] {
  const failures = passwordPolicyFailures(settings.passwordPolicy, password);
  if (breachedPasswordCheckEnabled(settings) && deps.breachedPasswords.isBreached(password)) failures.push(BREACHED_PASSWORD_FAILURE);
  return failures;
}

function refuse(failures: string[]): void {
  if (failures.length > 0) {
    throw new AppError('InvalidPassword', `Password did not conform with policy: ${failures[0]}`, { detail: { failures } });
  }
}

export function assertPasswordPolicy(policy: PasswordPolicy, password: string): void {
  refuse(passwordPolicyFailures(policy, password));
}

/** Throws InvalidPassword (Cognito's InvalidPasswordException) unless the pool accepts the password. */
export function assertChosenPassword(deps: Pick<CoreDeps, 'breachedPasswords'>, settings: PoolSettings, password: string): void {
  refuse(chosenPasswordFailures(deps, settings, password));
}

/** Human-readable requirements, for forms. */
export function describePasswordPolicy(policy: PasswordPolicy): string[] {
  const rules = [`at least ${policy.minimumLength} characters`];
  if (policy.requireUppercase) rules.push('an uppercase letter');
  if (policy.requireLowercase) rules.push('a lowercase letter');
  if (policy.requireNumbers) rules.push('a number');
  if (policy.requireSymbols) rules.push('a symbol');
  return rules;
}
