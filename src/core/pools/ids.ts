import type { Random } from '../ports.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Cognito's `<region>_<id>` format, which tools such as aws-jwt-verify parse. */
export const POOL_ID_PATTERN = /^[\w-]+_[0-9a-zA-Z]+$/;
export const CLIENT_ID_PATTERN = /^[\w+]+$/;

export const newPoolId = (random: Random, region: string) => `${region}_${random.fromAlphabet(ALNUM, 9)}`;
export const newClientId = (random: Random) => random.fromAlphabet(LOWER_ALNUM, 26);
export const newClientSecret = (random: Random) => random.fromAlphabet(LOWER_ALNUM, 51);
