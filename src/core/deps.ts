import type { Storage } from '../storage/storage.js';
import type { AuditTrail, BreachedPasswordList, Clock, TotpCodes, Issuer, MessageSender, PasswordHasher, Random, SecretBox, TokenSigner } from './ports.js';

/** Everything the use cases depend on; each takes the narrowest Pick it needs. */
export interface CoreDeps {
  storage: Storage;
  clock: Clock;
  random: Random;
  hasher: PasswordHasher;
  box: SecretBox;
  signer: TokenSigner;
  sender: MessageSender;
  issuer: Issuer;
  audit: AuditTrail;
  totp: TotpCodes;
  breachedPasswords: BreachedPasswordList;
}
