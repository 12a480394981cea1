#!/usr/bin/env node
/**
 * Builds the auditor's verifier as one file (docs/log.md "The auditor's verifier"):
 * scripts/verify.ts with protocol/tlog and libsodium bundled in, which runs with plain
 * `node clearinghouse-verify.mjs --url <clearinghouse>` (Node.js 20.19 or newer, nothing to install).
 * /audit offers it for download, with its SHA-256.
 *
 *   node scripts/build-verifier.mjs                    writes dist/verifier/clearinghouse-verify.mjs
 *   node scripts/build-verifier.mjs --outfile <file>   writes <file> instead
 *
 * `npm run build:portal` (so `npm start` and `npm test`) runs it after `vite build`.
 *
 * The output is deterministic: the same source and package-lock.json give the same bytes (no
 * time, no absolute path, no source map), so an auditor who rebuilds it from the source can compare
 * its SHA-256 with the one /audit shows. It is not minified, so it can be read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The file `npm run build:portal` writes and the clearinghouse serves at /audit/clearinghouse-verify.mjs. */
export const defaultVerifierFile = join(root, 'dist', 'verifier', 'clearinghouse-verify.mjs');

/** What the bundle is made from, relative to the project's root. */
export const verifierSource = 'scripts/verify.ts';

/**
 * Bundles the verifier into `outfile` (replaced in one rename, so a running server never serves
 * half a file) and returns what it wrote.
 *
 * @param {{ outfile?: string }} [options]
 * @returns {Promise<{ outfile: string, bytes: number, sha256: string }>}
 * @example
 * ```js
 * const { sha256 } = await buildVerifier({ outfile: '/tmp/clearinghouse-verify.mjs' });
 * ```
 */
export async function buildVerifier({ outfile = defaultVerifierFile } = {}) {
  const esbuildVersion = JSON.parse(
    readFileSync(join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
  ).version;
  const result = await build({
    // Every path esbuild writes into the output (its `// scripts/verify.ts` section comments) is
    // relative to this folder: the same bytes in every checkout.
    absWorkingDir: root,
    // node_modules/… as reached from the root, not where a symlink leads (a linked node_modules
    // would otherwise put its real location into those comments).
    preserveSymlinks: true,
    // The TypeScript settings that shape the output, here rather than read from tsconfig.json
    // (which extends .svelte-kit/tsconfig.json, generated only by svelte-kit sync): the same bytes
    // in a fresh checkout after npm install. ES2022 class fields, imports kept as written.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: true } },
    entryPoints: [verifierSource],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    write: false,
    outfile: 'clearinghouse-verify.mjs',
    sourcemap: false,
    minify: false,
    legalComments: 'inline',
    charset: 'utf8',
    // The usage it prints names the file, not `npm run verify --` (scripts/verify.ts).
    define: { __VERIFIER_COMMAND__: JSON.stringify('node clearinghouse-verify.mjs') },
    logLevel: 'warning',
    banner: {
      js: [
        '#!/usr/bin/env node',
        `// clearinghouse-verify.mjs: the auditor's verifier of the consent clearinghouse`,
        `// (consent-clearinghouse), bundled from ${verifierSource} by scripts/build-verifier.mjs`,
        `// with esbuild ${esbuildVersion}. Run: node clearinghouse-verify.mjs --url <clearinghouse>`,
        `// (Node.js 20.19 or newer). Rebuild it from the source with`,
        `// \`node scripts/build-verifier.mjs\` and compare the SHA-256.`,
        // libsodium falls back to require('crypto') where no Web Crypto is found; an ES module
        // has no `require` of its own.
        `import { createRequire as __verifierCreateRequire } from 'node:module';`,
        `const require = __verifierCreateRequire(import.meta.url);`,
      ].join('\n'),
    },
  });
  const [file] = result.outputFiles;
  if (file === undefined || result.outputFiles.length !== 1) {
    throw new Error(`esbuild wrote ${result.outputFiles.length} files, expected one`);
  }
  const target = resolve(outfile);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, file.contents, { mode: 0o644 });
  renameSync(partial, target);
  return {
    outfile: target,
    bytes: file.contents.byteLength,
    sha256: createHash('sha256').update(file.contents).digest('hex'),
  };
}

/** Whether this file is the program node runs, not a module a test imported. */
function isMain() {
  try {
    return pathToFileURL(realpathSync(process.argv[1] ?? '')).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMain()) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outfile');
  const outfile = at === -1 ? undefined : args[at + 1];
  if (
    (at !== -1 && (outfile === undefined || outfile.startsWith('--'))) ||
    args.length > (at === -1 ? 0 : 2)
  ) {
    console.error('usage: node scripts/build-verifier.mjs [--outfile <file>]');
    process.exit(2);
  }
  try {
    const built = await buildVerifier(outfile === undefined ? {} : { outfile });
    const near = relative(process.cwd(), built.outfile);
    const shown = near.startsWith('..') ? built.outfile : near;
    console.log(`build-verifier: wrote ${shown} (${built.bytes} bytes, sha256 ${built.sha256})`);
  } catch (error) {
    console.error(`build-verifier: the verifier could not be built: ${error.message}`);
    process.exit(1);
  }
}
