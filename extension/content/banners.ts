/**
 * The cookie-banner detector (issue 11): the only banner code on every page, so it stays tiny.
 * It holds the detector selectors compiled at build time from autoconsent's rules
 * (extension/core/banner-rules), checks them a few times while the page settles (banners often
 * arrive late), and only when one matches asks the background, naming the detector indexes that
 * matched. The background decides, injects autoconsent with the matching rules, and records.
 * A page without a known platform never hears from the Assistant.
 */
import { sendToBackground } from '../platform/bridge-port';

declare const __BANNER_DETECTORS__: readonly string[];

/** When to look, in ms after the script starts (it starts at `document_idle`). */
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

let step = 0;
function look(): void {
  const found = window.top === window ? hits() : [];
  if (found.length > 0) {
    void sendToBackground({
      type: 'banners.detected',
      detectors: found.slice(0, 32),
      url: location.href.slice(0, 4096),
    }).catch(() => undefined);
    return;
  }
  step++;
  if (step < checks.length) setTimeout(look, checks[step]! - checks[step - 1]!);
}
look();
