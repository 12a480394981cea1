/**
 * `browser.alarms`: the only timer that wakes a stopped MV3 service worker. Chromium and Firefox
 * fire a periodic alarm at most once a minute, which is the auto-lock's resolution.
 */
import browser from 'webextension-polyfill';

/**
 * Makes sure a periodic alarm exists (an existing one keeps its schedule: re-creating it on
 * every call would push it back each time and, under steady use, never let it fire).
 *
 * @example
 * ```ts
 * await ensureEveryMinutes('auto-lock', 1);
 * ```
 */
export async function ensureEveryMinutes(name: string, minutes: number): Promise<void> {
  if ((await browser.alarms.get(name)) !== undefined) return;
  await browser.alarms.create(name, { periodInMinutes: minutes, delayInMinutes: minutes });
}

/**
 * Calls `listener` when the alarm `name` fires. Register at the top level of the background.
 *
 * @example
 * ```ts
 * onAlarm('auto-lock', () => service.checkAutoLock());
 * ```
 */
export function onAlarm(name: string, listener: () => void | Promise<void>): void {
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === name) void listener();
  });
}

/**
 * Schedules the one-shot alarm `name` in `delayMs` (replacing an earlier one of that name). The
 * browsers round short delays up (Chromium: 30 s), which is fine for releasing held offers.
 *
 * @example
 * ```ts
 * await scheduleOnce('offers-release', releaseAt - clock.now());
 * ```
 */
export async function scheduleOnce(name: string, delayMs: number): Promise<void> {
  await browser.alarms.create(name, { when: Date.now() + Math.max(30_000, delayMs) });
}
