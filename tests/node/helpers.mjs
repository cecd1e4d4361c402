// Shared by the Node tests: where the built package is, and a loader for it.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PKG = path.join(ROOT, 'pkg');

/** Imports pkg/ through its exports map's Node entry (as `import ... from 'kaleido'` does). */
export async function loadPackage() {
  if (!existsSync(path.join(PKG, 'package.json'))) {
    throw new Error('pkg/ is not built: run `make build` (scripts/build.sh) first');
  }
  return import(pathToFileURL(path.join(PKG, 'node.mjs')).href);
}

/** Calls `fn` and returns what it threw (fails if it did not throw). */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}
