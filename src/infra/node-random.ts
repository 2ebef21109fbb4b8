import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Random } from '../core/ports.js';

export const nodeRandom: Random = {
  token: (bytes = 32) => randomBytes(bytes).toString('base64url'),
  uuid: () => randomUUID(),
  digits: (length) => Array.from({ length }, () => randomInt(10)).join(''),
  fromAlphabet: (alphabet, length) => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join(''),
};
