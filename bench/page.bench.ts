/**
 * bench:page (issue 11, DESIGN section 9 "content scripts on a page"): loads a local test page 30
 * times in Debian's Chromium with the Assistant and 30 times without, interleaved, and prints the
 * median DOMContentLoaded of each and their difference (bar: at most 10 ms), plus the size of what
 * the Assistant puts into every page (the content scripts every http(s) page gets: the page
 * bridge, the banner detector, the GPC page script). autoconsent itself is injected only where a
 * banner was found, so it is not part of that figure; it is printed beside it.
 *
 *   npm run bench:page                   # the shipped chromium build (npm run build:extension first)
 *   BENCH_EXTENSION=chromium-test npm run bench:page
 *
 * The figures are for one run on a shared machine; the lead reruns it on a quiet one
 * (docs/performance.md "Page cost").
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startAssistant, type AssistantBrowser } from '../test/fixtures/assistant';
import { startFixtureServer } from '../test/fixtures/server';

const loads = Number(process.env.BENCH_LOADS ?? 30);
const barMs = 10;
const target = process.env.BENCH_EXTENSION ?? 'chromium';
const dist = (file: string) =>
  fileURLToPath(new URL(`../dist/extension/${target}/${file}`, import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function domContentLoaded(browser: AssistantBrowser, url: string): Promise<number> {
  const page = await browser.context.newPage();
  try {
    await page.goto(url, { waitUntil: 'load' });
    return await page.evaluate(() => {
      const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return entry.domContentLoadedEventEnd - entry.startTime;
    });
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const everyPage = ['content/bridge.js', 'content/banners.js', 'content/gpc.js'].map((f) => ({
    file: f,
    bytes: statSync(dist(f)).size,
  }));
  const onDetection = statSync(dist('content/autoconsent.js')).size;
  const fixtures = await startFixtureServer();
  const withExtension = await startAssistant({ extensionTarget: target });
  const without = await startAssistant({ extension: false });
  try {
    const url = `${fixtures.origin('plain.test')}/plain`;
    // Warm-up: first loads pay for process start-up and the extension's installation.
    for (let i = 0; i < 3; i++) {
      await domContentLoaded(withExtension, url);
      await domContentLoaded(without, url);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < loads; i++) {
      a.push(await domContentLoaded(withExtension, url));
      b.push(await domContentLoaded(without, url));
    }
    const withMs = median(a);
    const withoutMs = median(b);
    const difference = withMs - withoutMs;
    const injected = everyPage.reduce((sum, f) => sum + f.bytes, 0);
    console.log(`bench:page — ${loads} loads each of ${url}, build ${target}`);
    console.log(`  DOMContentLoaded median with the Assistant:    ${withMs.toFixed(1)} ms`);
    console.log(`  DOMContentLoaded median without the Assistant: ${withoutMs.toFixed(1)} ms`);
    console.log(
      `  difference: ${difference.toFixed(1)} ms (bar <= ${barMs} ms) ${difference <= barMs ? 'PASS' : 'FAIL'}`,
    );
    console.log(`  injected into every page: ${injected} bytes`);
    for (const f of everyPage) console.log(`    ${f.file}: ${f.bytes} bytes`);
    console.log(
      `  injected only where a known banner was detected: content/autoconsent.js ${onDetection} bytes`,
    );
    if (difference > barMs) process.exitCode = 1;
  } finally {
    await withExtension.close();
    await without.close();
    await fixtures.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
