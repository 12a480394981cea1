/**
 * `npm run bench:vault`: the vault's figures in Debian's Chromium (issue 6 "Benchmark").
 * Builds bench/vault-page with Vite, serves it on a loopback port (IndexedDB needs a real
 * origin), drives it with Playwright and prints the figures and the two bars.
 *
 *   npm run bench:vault
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { chromium } from 'playwright';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const pageRoot = fileURLToPath(new URL('./vault-page/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Result {
  unlock: number[];
  bulk: { encrypted: number[]; plain: number[] };
  encryption: number[];
  render: number[];
  userAgent: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main() {
  const outDir = await mkdtemp(join(tmpdir(), 'bench-vault-'));
  try {
    await build({
      configFile: false,
      root: pageRoot,
      logLevel: 'error',
      // Production Svelte, as the shipped dashboard is built.
      mode: 'production',
      plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
      define: { __BUILD_TARGET__: JSON.stringify('chromium') },
      build: { outDir, emptyOutDir: true, minify: false, target: 'chrome120' },
    });
    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.css': 'text/css',
    };
    const server = createServer(async (req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = join(outDir, path === '/' ? 'index.html' : path);
      if (!file.startsWith(outDir)) return void res.writeHead(403).end();
      try {
        const body = await readFile(file);
        res
          .writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
          .end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(e));
      await page.goto(`http://127.0.0.1:${port}/`);
      const result = (await page.evaluate(
        () => (window as unknown as { __benchResult: Promise<unknown> }).__benchResult,
      )) as Result;
      const unlock = median(result.unlock);
      const enc = median(result.bulk.encrypted);
      const plain = median(result.bulk.plain);
      const ratio = plain / enc;
      const render = median(result.render);
      console.log(
        `vault benchmark (${result.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'})`,
      );
      console.log(
        `unlock, Argon2id 3 passes over 64 MiB   median ${ms(unlock)} of ${result.unlock.map(ms).join(', ')}   bar <= 500 ms: ${unlock <= 500 ? 'met' : 'NOT met'}`,
      );
      console.log(
        `bulk write 10,000 records, encrypted     median ${ms(enc)} (${Math.round(10_000 / (enc / 1000))} records/s)`,
      );
      console.log(
        `bulk write 10,000 records, plain bulkAdd median ${ms(plain)} (${Math.round(10_000 / (plain / 1000))} records/s)`,
      );
      console.log(
        `  of which encryption alone (JSON, UTF-8, XChaCha20-Poly1305)   median ${ms(median(result.encryption))}`,
      );
      console.log(
        `ratio encrypted / plain (throughput)     ${ratio.toFixed(2)}   bar >= 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
      );
      console.log(
        `dashboard blacklist, first render of 10,000 entries   median ${ms(render)} of ${result.render.map(ms).join(', ')}`,
      );
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
