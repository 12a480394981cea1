/**
 * bench:page (issue 11, DESIGN section 9 "content scripts on a page"): what the Assistant adds to
 * an ordinary page load. Debian's Chromium loads a local page without a banner in two browsers
 * side by side, one with the Assistant and one without, in pairs: each pair loads the page once in
 * each browser, the order alternating from pair to pair (so neither side always goes first), after
 * warm-up pairs that are not counted. Printed: the median of the per-pair differences of
 * DOMContentLoaded (bar: at most 10 ms) with its interquartile range, the median and interquartile
 * range of each side, the same split into the request (navigation start to the first response
 * byte: where the `Sec-GPC` header rule acts) and the document (first byte to the end of
 * DOMContentLoaded: where the `document_start` script runs), and the size of what every page gets.
 *
 * Every counted load with the Assistant must show its cost in effect: the server saw `Sec-GPC: 1`
 * on the navigation and the page read `navigator.globalPrivacyControl === true` (and every load
 * without it neither), or the run fails: a figure measured before the Assistant was ready would
 * not be its cost.
 *
 *   npm run bench:page                       # the shipped chromium build (npm run build:extension)
 *   BENCH_LOADS=60 npm run bench:page        # more pairs (default 40, at least 30)
 *   BENCH_EXTENSION=chromium-test npm run bench:page
 *   ASSISTANT_EXTENSION_DIR=/tmp/variant npm run bench:page   # a modified copy of a build, for
 *                                            # finding which part costs (GPC is then only reported)
 *
 * The figures are for one run; the lead reruns it on a quiet machine (docs/performance.md
 * "Page cost").
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAssistant, type AssistantBrowser } from '../test/fixtures/assistant';
import { startFixtureServer, type FixtureServer } from '../test/fixtures/server';

const loads = Math.max(30, Number(process.env.BENCH_LOADS ?? 40));
const warmUpPairs = 5;
const barMs = 10;
/** A modified copy of a build (the ablation runs of docs/performance.md). */
const variantDir = process.env.ASSISTANT_EXTENSION_DIR;
const target = process.env.BENCH_EXTENSION ?? 'chromium';
const buildDir =
  variantDir ?? fileURLToPath(new URL(`../dist/extension/${target}/`, import.meta.url));
/** The GPC page script, registered at run time by extension/platform/gpc (not in the manifest). */
const gpcScript = 'content/gpc.js';
/** autoconsent, injected only where a known banner was detected. */
const autoconsentScript = 'content/autoconsent.js';

/** One page load, in ms from navigation start. */
interface Load {
  /** The end of the DOMContentLoaded event. */
  readonly dcl: number;
  /** The first byte of the response (the request's share, header rule included). */
  readonly request: number;
  /** From the first response byte to the end of DOMContentLoaded (the document's share). */
  readonly document: number;
  /** What the page read as `navigator.globalPrivacyControl`. */
  readonly gpcInPage: unknown;
  /** The `Sec-GPC` header the server saw on this navigation. */
  readonly gpcHeader: string | undefined;
}

/** The q-quantile of `values` (linear interpolation between closest ranks). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function summary(values: readonly number[]): string {
  const f = (n: number) => n.toFixed(1).padStart(6);
  return `median ${f(quantile(values, 0.5))} ms   IQR ${f(quantile(values, 0.25))} … ${f(quantile(values, 0.75))} ms`;
}

async function load(
  browser: AssistantBrowser,
  fixtures: FixtureServer,
  url: string,
): Promise<Load> {
  const page = await browser.context.newPage();
  try {
    const from = fixtures.requests.length;
    await page.goto(url, { waitUntil: 'load' });
    const timing = await page.evaluate(() => {
      const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return {
        dcl: entry.domContentLoadedEventEnd - entry.startTime,
        response: entry.responseStart - entry.startTime,
        gpcInPage: (navigator as { globalPrivacyControl?: unknown }).globalPrivacyControl,
      };
    });
    const navigation = fixtures.requests.slice(from).find((r) => r.path === '/plain');
    return {
      dcl: timing.dcl,
      request: timing.response,
      document: timing.dcl - timing.response,
      gpcInPage: timing.gpcInPage,
      gpcHeader: navigation?.secGpc,
    };
  } finally {
    await page.close();
  }
}

/** True when both signs of GPC were present in a load (the Assistant's cost was in effect). */
const gpcInEffect = (l: Load) => l.gpcInPage === true && l.gpcHeader === '1';
const gpcAbsent = (l: Load) => l.gpcInPage === undefined && l.gpcHeader === undefined;

/** The files every http(s) page gets: the manifest's content scripts plus the GPC page script. */
function everyPageFiles(): { file: string; bytes: number }[] {
  const manifest = JSON.parse(readFileSync(join(buildDir, 'manifest.json'), 'utf8')) as {
    content_scripts?: { js: string[] }[];
  };
  const files = [...(manifest.content_scripts ?? []).flatMap((c) => c.js), gpcScript];
  return [...new Set(files)].map((file) => ({ file, bytes: statSync(join(buildDir, file)).size }));
}

async function main(): Promise<void> {
  const everyPage = everyPageFiles();
  const fixtures = await startFixtureServer();
  const withAssistant = await startAssistant(
    variantDir === undefined ? { extensionTarget: target } : {},
  );
  const without = await startAssistant({ extension: false });
  try {
    // The dashboard the Assistant opens on installation is not part of a page's cost: both
    // browsers keep one blank tab beside the measured one.
    await withAssistant.dashboard.goto('about:blank');
    const url = `${fixtures.origin('plain.test')}/plain`;
    // The Assistant applies its header rule and page script right after installation: wait for
    // them (at most 15 s), then warm up (process start-up, caches, the first gpc.json fetch).
    for (let i = 0; i < 30 && !gpcInEffect(await load(withAssistant, fixtures, url)); i++)
      await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < warmUpPairs; i++) {
      await load(withAssistant, fixtures, url);
      await load(without, fixtures, url);
    }
    const a: Load[] = [];
    const b: Load[] = [];
    for (let i = 0; i < loads; i++) {
      if (i % 2 === 0) {
        a.push(await load(withAssistant, fixtures, url));
        b.push(await load(without, fixtures, url));
      } else {
        b.push(await load(without, fixtures, url));
        a.push(await load(withAssistant, fixtures, url));
      }
    }
    const diff = (pick: (l: Load) => number) => a.map((l, i) => pick(l) - pick(b[i]!));
    const difference = quantile(
      diff((l) => l.dcl),
      0.5,
    );
    const injected = everyPage.reduce((sum, f) => sum + f.bytes, 0);
    const withGpc = a.filter(gpcInEffect).length;
    const withoutGpc = b.filter(gpcAbsent).length;

    console.log(
      `bench:page — ${loads} pairs (+${warmUpPairs} warm-up) of ${url}, build ${variantDir ?? target}`,
    );
    console.log('  DOMContentLoaded');
    console.log(`    with the Assistant:     ${summary(a.map((l) => l.dcl))}`);
    console.log(`    without the Assistant:  ${summary(b.map((l) => l.dcl))}`);
    console.log(`    per-pair difference:    ${summary(diff((l) => l.dcl))}`);
    console.log(
      '  split: request (start to first byte) | document (first byte to DOMContentLoaded)',
    );
    console.log(`    with, request:          ${summary(a.map((l) => l.request))}`);
    console.log(`    without, request:       ${summary(b.map((l) => l.request))}`);
    console.log(`    difference, request:    ${summary(diff((l) => l.request))}`);
    console.log(`    with, document:         ${summary(a.map((l) => l.document))}`);
    console.log(`    without, document:      ${summary(b.map((l) => l.document))}`);
    console.log(`    difference, document:   ${summary(diff((l) => l.document))}`);
    const count = (loads: Load[], is: (l: Load) => boolean) => loads.filter(is).length;
    const header = (l: Load) => l.gpcHeader === '1';
    const inPage = (l: Load) => l.gpcInPage === true;
    console.log(
      `  Sec-GPC: 1 on ${count(a, header)}/${loads} navigations with, ${count(b, header)}/${loads} without; navigator.globalPrivacyControl in ${count(a, inPage)}/${loads} pages with, ${count(b, inPage)}/${loads} without`,
    );
    console.log(`  injected into every page: ${injected} bytes`);
    for (const f of everyPage) console.log(`    ${f.file}: ${f.bytes} bytes`);
    console.log(
      `  injected only where a known banner was detected: ${autoconsentScript} ${statSync(join(buildDir, autoconsentScript)).size} bytes`,
    );
    const measured = variantDir !== undefined || (withGpc === loads && withoutGpc === loads);
    console.log(
      `  median per-pair difference: ${difference.toFixed(1)} ms (bar <= ${barMs} ms) ${difference <= barMs && measured ? 'PASS' : 'FAIL'}`,
    );
    if (!measured)
      console.log('  FAIL: GPC was not in effect in every load with (or was in one without).');
    if (difference > barMs || !measured) process.exitCode = 1;
  } finally {
    await withAssistant.close();
    await without.close();
    await fixtures.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
