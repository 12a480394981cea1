/**
 * `npm run bench:portal`: the portal's pages in Chromium (issue 9 and the consoles' issue). Runs
 * every scenario module in bench/portal/*.ts, one after the other, in file-name order; each
 * exports `default async function run(): Promise<void>` that prints its figures and PASS/FAIL
 * and sets `process.exitCode = 1` on a FAIL. `BENCH_PORTAL` (comma-separated module names, e.g.
 * `me`) runs only those. Figures go to docs/performance.md, section "Portal".
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('./portal/', import.meta.url));
const only = process.env.BENCH_PORTAL?.split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
  .filter((f) => only === undefined || only.includes(f.replace(/\.ts$/, '')))
  .sort();

if (modules.length === 0) {
  console.error('bench:portal: no scenario module matched');
  process.exitCode = 1;
}
for (const file of modules) {
  console.log(`\n== bench/portal/${file}`);
  const module = (await import(pathToFileURL(join(dir, file)).href)) as {
    default?: () => Promise<void>;
  };
  if (typeof module.default !== 'function') {
    console.log(`FAIL ${file}: exports no default run()`);
    process.exitCode = 1;
    continue;
  }
  try {
    await module.default();
  } catch (error) {
    console.log(`FAIL ${file}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
