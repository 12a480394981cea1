/**
 * A fingerprint of everything the build reads (paths, sizes, modification times), so
 * `npm start` rebuilds only when a source changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const inputs = [
  'portal',
  'protocol',
  'extension',
  'package-lock.json',
  'package.json',
  'svelte.config.js',
  'vite.config.ts',
  'scripts/build-extension.mjs',
  // Packs the Assistant's downloads.
  'scripts/zip.mjs',
  // The auditor's verifier, bundled into dist/verifier/ by build:portal (with protocol/ above).
  'scripts/verify.ts',
  'scripts/build-verifier.mjs',
];

export function sourceFingerprint(root) {
  const hash = createHash('sha256');
  const visit = (relative) => {
    const full = join(root, relative);
    if (!existsSync(full)) return;
    const stat = statSync(full);
    if (stat.isDirectory()) {
      for (const name of readdirSync(full).sort()) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        visit(join(relative, name));
      }
    } else {
      hash.update(`${relative}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  for (const input of inputs) visit(input);
  return hash.digest('hex');
}
