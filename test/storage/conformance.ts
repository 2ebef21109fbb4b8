/**
 * The storage conformance suite: every backend runs it (SQLite and PostgreSQL).
 * Each test opens a fresh storage with `open` and closes it afterwards.
 */
import type { Storage } from '../../src/storage/storage.js';
import { adminConformance } from './conformance-admin.js';
import { auditConformance } from './conformance-audit.js';
import { authConformance } from './conformance-auth.js';
import { directoryConformance, type WithStorage } from './conformance-directory.js';
import { keysConformance } from './conformance-keys.js';
import { listFilterConformance } from './conformance-list-filter.js';
import { mfaConformance } from './conformance-mfa.js';
import { rateLimitConformance } from './conformance-rate-limits.js';
import { securityConformance } from './conformance-security.js';

export function runStorageConformance(name: string, open: () => Promise<Storage> | Storage): void {
  const withStorage: WithStorage = async (fn) => {
    const storage = await open();
    try {
      await fn(storage);
    } finally {
      await storage.close();
    }
  };
  directoryConformance(name, withStorage);
  authConformance(name, withStorage);
  adminConformance(name, withStorage);
  listFilterConformance(name, withStorage);
  securityConformance(name, withStorage);
  mfaConformance(name, withStorage);
  auditConformance(name, withStorage);
  keysConformance(name, withStorage);
  rateLimitConformance(name, withStorage);
}
