/**
 * The cookie-banner detector (issue 11): the only banner code on every page, so it stays tiny.
 * It holds the detector selectors compiled at build time from autoconsent's rules
 * (extension/core/banner-rules), checks them a few times while the page settles (banners often
 * arrive late), and only when one matches asks the background, naming the detector indexes that
 * matched. The background decides, injects autoconsent with the matching rules, and records.
 * A page without a known platform never hears from the Assistant. Each check waits for the page's
 * next idle moment (at most a second), so the queries give way to the page's own work.
 */
import { isTestBuild } from '../build';
import { sendToBackground } from '../platform/bridge-port';

declare const __BANNER_DETECTORS__: readonly string[];

/** When to look, in ms after the script starts (at `document_idle`), each at the next idle moment. */
const checks = [0, 500, 1500, 3500, 7000];
/** Selectors per combined query; a chunk that does not parse is tried selector by selector. */
const chunkSize = 64;

const detectors: readonly string[] = __BANNER_DETECTORS__;

function matches(selector: string): boolean {
  try {
    return document.querySelector(selector) !== null;
  } catch (_e) {
    return false;
  }
}

let chunks: { from: number; selector: string | null }[] | undefined;

/** Indexes of matching detectors: one combined query per chunk, then only the chunk that hit. */
function hits(): number[] {
  chunks ??= Array.from({ length: Math.ceil(detectors.length / chunkSize) }, (_, i) => ({
    from: i * chunkSize,
    selector: detectors.slice(i * chunkSize, (i + 1) * chunkSize).join(','),
  }));
  const found: number[] = [];
  for (const chunk of chunks) {
    let any = true;
    if (chunk.selector !== null) {
      try {
        any = document.querySelector(chunk.selector) !== null;
      } catch (_e) {
        chunk.selector = null; // one selector of the chunk does not parse here: test one by one
      }
    }
    if (!any) continue;
    const end = Math.min(chunk.from + chunkSize, detectors.length);
    for (let i = chunk.from; i < end; i++) if (matches(detectors[i]!)) found.push(i);
  }
  return found;
}

/** Runs `fn` when the page's main thread is next idle (at most 1 s later), or at once without it. */
function whenIdle(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 1000 });
  else fn();
}

/**
 * Test build only (called from `if (isTestBuild)` branches alone, so the shipped bundles drop it,
 * see ../build): an event on the page's `document` when the detector stops, `…-nothing` after its
 * last check found no platform, `…-answered` once the background answered its report (having
 * decided, and recorded or injected autoconsent, before it answers). test/e2e/banners.spec.ts
 * waits for it instead of sleeping past the last check; the page itself is not touched.
 */
function stopped(outcome: 'nothing' | 'answered'): void {
  document.dispatchEvent(new Event(`consent-assistant-test:banners-${outcome}`));
}

let step = 0;
function look(): void {
  const found = window.top === window ? hits() : [];
  if (found.length > 0) {
    const sent = sendToBackground({
      type: 'banners.detected',
      detectors: found.slice(0, 32),
      url: location.href.slice(0, 4096),
    }).catch(() => undefined);
    if (isTestBuild) void sent.then(() => stopped('answered'));
    return;
  }
  step++;
  if (step < checks.length) setTimeout(() => whenIdle(look), checks[step]! - checks[step - 1]!);
  else if (isTestBuild) stopped('nothing');
}
whenIdle(look);
