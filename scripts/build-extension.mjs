#!/usr/bin/env node
/**
 * Builds the Assistant from one source into dist/extension/<target> for every build target
 * (chromium, firefox, chromium-test; SPECS "Shared pieces") with Vite's JS API.
 *
 *   node scripts/build-extension.mjs                     # all targets
 *   node scripts/build-extension.mjs --target firefox    # one (or a comma-separated list)
 *
 * `__BUILD_TARGET__` is a `define`, so the test hooks are removed from the shipped bundles by
 * dead-code elimination, not switched off at run time. The manifest, `_locales` and icons are
 * written after the bundle, from extension/manifest.ts and the i18n catalog.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { build, runnerImport } from 'vite';
import { zipFolder } from './zip.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const extensionRoot = join(repoRoot, 'extension');
const outRoot = join(repoRoot, 'dist', 'extension');

// The repository's tsconfig.json extends SvelteKit's generated one: on a fresh clone (nothing
// built yet) Vite cannot read it until `svelte-kit sync` wrote it.
if (!existsSync(join(repoRoot, '.svelte-kit', 'tsconfig.json'))) {
  const cli = join(repoRoot, 'node_modules', '@sveltejs', 'kit', 'svelte-kit.js');
  const synced = spawnSync(process.execPath, [cli, 'sync'], { cwd: repoRoot, stdio: 'inherit' });
  if (synced.status !== 0) {
    console.error('build-extension: "svelte-kit sync" failed; see the output above.');
    process.exit(synced.status ?? 1);
  }
}

/** Loads a TypeScript module of the extension in Node, without the repository's vite.config.ts. */
async function importTs(path) {
  const { module } = await runnerImport(path, {
    configFile: false,
    root: repoRoot,
    logLevel: 'error',
  });
  return module;
}

// ---------------------------------------------------------------------------------------------
// Icons: drawn here rather than committed, so there is no binary in the repository to keep in
// sync. A rounded square with a check mark, supersampled 4x4 for smooth edges.

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes RGBA pixels (row-major, 4 bytes each) as a PNG (RFC 2083): filter 0 on every row. */
function encodePng(size, rgba) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Coverage of the icon's shapes at (x, y) in unit coordinates: [background, check mark]. */
function shapesAt(x, y) {
  const radius = 0.22;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - radius), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - radius), 0);
  const inSquare = Math.hypot(qx, qy) <= radius;
  const stroke = 0.085;
  const inCheck =
    distanceToSegment(x, y, 0.27, 0.52, 0.44, 0.69) <= stroke ||
    distanceToSegment(x, y, 0.44, 0.69, 0.75, 0.33) <= stroke;
  return [inSquare, inSquare && inCheck];
}

function drawIcon(size) {
  const samples = 4;
  const rgba = Buffer.alloc(size * size * 4);
  const fill = [0x0f, 0x6e, 0x6e];
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let square = 0;
      let check = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [s, c] = shapesAt(
            (px + (sx + 0.5) / samples) / size,
            (py + (sy + 0.5) / samples) / size,
          );
          if (s) square++;
          if (c) check++;
        }
      }
      const n = samples * samples;
      const white = square === 0 ? 0 : check / square;
      const i = (py * size + px) * 4;
      for (let k = 0; k < 3; k++) rgba[i + k] = Math.round(fill[k] * (1 - white) + 255 * white);
      rgba[i + 3] = Math.round((255 * square) / n);
    }
  }
  return encodePng(size, rgba);
}

// ---------------------------------------------------------------------------------------------

/**
 * Bundles one entry for `target` into `outDir`. Popup and background are bundled separately, so
 * the background is one self-contained file (a service worker cannot fetch chunks lazily, and
 * Firefox's event page loads it directly) and no chunk is shared between the two.
 */
async function bundle(target, outDir, entry, detectors = []) {
  const test = target === 'chromium-test';
  // Content scripts (the page bridge of issue 7, issue 11's banner detector, GPC page script and
  // autoconsent): each one classic script (content scripts cannot be ES modules), named
  // `content:<name>` for extension/content/<name>.ts.
  const content = entry.startsWith('content:');
  const contentName = content ? entry.slice('content:'.length) : '';
  await build({
    configFile: false,
    root: extensionRoot,
    base: '/',
    mode: 'production',
    publicDir: false,
    logLevel: 'warn',
    clearScreen: false,
    define: {
      __BUILD_TARGET__: JSON.stringify(target),
      // SPECS "clearinghouse URL": the build-time default of the Assistant's setting.
      __CLEARINGHOUSE_URL__: JSON.stringify(
        process.env.CLEARINGHOUSE_URL ?? 'http://localhost:3000',
      ),
      // Issue 11: the banner detectors, compiled here from autoconsent's rules (core/banner-rules).
      __BANNER_DETECTORS__: JSON.stringify(detectors),
    },
    plugins: [
      svelte({
        configFile: false,
        // 'tree' builds DOM fragments with createElement instead of innerHTML templates: no
        // innerHTML in the bundle for web-ext lint to flag, and Trusted Types stay possible.
        compilerOptions: { runes: true, fragments: 'tree' },
      }),
    ],
    build: {
      outDir,
      emptyOutDir: entry === 'popup',
      target: ['chrome120', 'firefox128'],
      // Readable shipped code for store review; dead-code elimination does not need a minifier.
      minify: false,
      // Separate files only, and only for the test build: never eval or inline source maps.
      sourcemap: test,
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      rolldownOptions: {
        // The popup and the dashboard are pages: bundled together, they may share chunks.
        input:
          entry === 'popup'
            ? {
                popup: join(extensionRoot, 'ui/popup/index.html'),
                dashboard: join(extensionRoot, 'ui/dashboard/index.html'),
                consent: join(extensionRoot, 'ui/consent/index.html'),
              }
            : content
              ? { [contentName]: join(extensionRoot, `content/${contentName}.ts`) }
              : { background: join(extensionRoot, 'background.ts') },
        output: {
          format: content ? 'iife' : 'es',
          entryFileNames:
            entry === 'popup'
              ? 'ui/[name]-[hash].js'
              : content
                ? `content/${contentName}.js`
                : 'background.js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          assetFileNames: 'assets/[name]-[hash][extname]',
          // Licence comments stay; doc comments would only bloat the bundle and blur the
          // grep that proves the test hooks are gone from shipped builds.
          comments: { legal: true, annotation: false, jsdoc: false },
        },
      },
    },
  });
}

async function writeJson(path, value) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** SPECS "clearinghouse URL": the build-time default of the Assistant's setting. */
const clearinghouseUrl = process.env.CLEARINGHOUSE_URL ?? 'http://localhost:3000';

async function main() {
  const { values } = parseArgs({ options: { target: { type: 'string' } } });
  const { buildTargets, isBuildTarget } = await importTs(join(extensionRoot, 'target.ts'));
  const manifests = await importTs(join(extensionRoot, 'manifest.ts'));
  const targets = values.target === undefined ? [...buildTargets] : values.target.split(',');
  const unknown = targets.filter((t) => !isBuildTarget(t));
  if (unknown.length > 0)
    throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${buildTargets.join(', ')}`);

  const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  const icons = new Map(manifests.iconSizes.map((size) => [size, drawIcon(size)]));
  // Issue 11: autoconsent's rules stay a file of the extension, read by the background on demand;
  // pages get only the detector selectors compiled from them.
  const rulesFile = createRequire(import.meta.url).resolve(
    '@duckduckgo/autoconsent/rules/rules.json',
  );
  const { detectorTable } = await importTs(join(extensionRoot, 'core/banner-rules.ts'));
  const detectors = detectorTable(JSON.parse(await readFile(rulesFile, 'utf8')).autoconsent);

  for (const target of targets) {
    const started = performance.now();
    const outDir = join(outRoot, target);
    await bundle(target, outDir, 'popup');
    await bundle(target, outDir, 'background');
    for (const name of ['bridge', 'banners', 'gpc', 'autoconsent'])
      await bundle(target, outDir, `content:${name}`, detectors.selectors);
    await mkdir(join(outDir, 'rules'), { recursive: true });
    await copyFile(rulesFile, join(outDir, manifests.autoconsentRulesPath));
    const manifest = manifests.createManifest(target, version, clearinghouseUrl);
    await writeJson(join(outDir, 'manifest.json'), manifest);
    for (const locale of manifests.manifestLocales) {
      await writeJson(
        join(outDir, '_locales', locale, 'messages.json'),
        manifests.localeMessages(locale),
      );
    }
    await mkdir(join(outDir, 'icons'), { recursive: true });
    for (const [size, png] of icons)
      await writeFile(join(outDir, 'icons', `icon-${size}.png`), png);
    for (const file of [
      manifests.popupPath,
      manifests.dashboardPath,
      manifests.backgroundPath,
      manifests.bridgePath,
      manifests.consentPath,
      manifests.bannersPath,
      manifests.gpcPath,
      manifests.autoconsentPath,
      manifests.autoconsentRulesPath,
    ]) {
      if (!existsSync(join(outDir, file)))
        throw new Error(`${target}: the build did not produce ${file}`);
    }
    // The shipped builds also as one file each, which `/` offers for download.
    const archive =
      target === 'chromium-test' ? undefined : join(outRoot, `assistant-${target}.zip`);
    if (archive !== undefined) await writeFile(archive, zipFolder(outDir));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `extension: ${target} -> ${relative(repoRoot, outDir)}${archive === undefined ? '' : ` and ${relative(repoRoot, archive)}`} (${seconds} s)`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
