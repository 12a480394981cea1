/**
 * A fingerprint of everything the build reads (paths, sizes, modification times, and the
 * environment variables it builds in), so `npm start` rebuilds only when one of them changed.
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

/**
 * The environment the build reads, as it reads it: the Assistant's clearinghouse address
 * (scripts/build-extension.mjs, built into background.js and the downloads). Before it counted,
 * `CLEARINGHOUSE_URL=https://ch.example npm start` kept a build for http://localhost:3000.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {Record<string, string>}
 */
export function buildEnvironment(env) {
  return { CLEARINGHOUSE_URL: env.CLEARINGHOUSE_URL ?? 'http://localhost:3000' };
}

/**
 * @param {string} root the repository's root
 * @param {NodeJS.ProcessEnv} [env] the environment the build will run with
 * @returns {string}
 */
export function sourceFingerprint(root, env = process.env) {
  const hash = createHash('sha256');
  for (const [name, value] of Object.entries(buildEnvironment(env))) {
    hash.update(`env\0${name}\0${value}\n`);
  }
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
