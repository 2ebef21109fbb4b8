import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, whether we run from src/ (tsx) or dist/src/ (compiled). */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the OpenPool project root (package.json + migrations/)');
    dir = parent;
  }
}

export const projectRoot = findProjectRoot();
export const migrationsDir = (backend: 'sqlite' | 'postgres') => join(projectRoot, 'migrations', backend);
export const viewsDir = join(projectRoot, 'views');
export const publicDir = join(projectRoot, 'public');
/** The breached-password digests, written by `npm run build` (src/cli/build-breached-digests.ts). */
export const breachedDigestsFile = join(projectRoot, 'dist', 'breached-passwords.bin');
