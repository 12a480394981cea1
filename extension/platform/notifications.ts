/**
 * Browser notifications (issue 7): the thin adapter the service's notice port uses.
 */
import browser from 'webextension-polyfill';

/**
 * Shows a basic notification with the Assistant's icon; `id` replaces an earlier one of the same id.
 *
 * @example
 * ```ts
 * await showNotification('expiring/abc', 'Consent Assistant', 'Your consent for Laufhaus ends on 1 Dec.');
 * ```
 */
export async function showNotification(id: string, title: string, message: string): Promise<void> {
  await browser.notifications.create(id, {
    type: 'basic',
    iconUrl: browser.runtime.getURL('icons/icon-128.png'),
    title,
    message,
  });
}

/**
 * The toolbar badge (issue 8: delivered offers not yet looked at); `''` clears it.
 *
 * @example
 * ```ts
 * await setBadgeText('3');
 * ```
 */
export async function setBadgeText(text: string): Promise<void> {
  await browser.action.setBadgeText({ text });
}
