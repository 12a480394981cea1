/**
 * The popup's entry: picks the locale, reads the version from the installed manifest and mounts
 * the component. Everything browser-specific is passed in, so App.svelte stays plain.
 */
import { mount } from 'svelte';
import { t } from '../../../protocol/i18n';
import { extensionVersion, openDashboard, sendRequest } from '../../platform/runtime';
import { pickLocale } from '../locale';
import App from './App.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/popup/index.html lacks #app');

const locale = pickLocale(
  navigator.languages.length > 0 ? navigator.languages : [navigator.language],
);
document.documentElement.lang = locale;
document.title = t(locale, 'extension.popup.title');

mount(App, {
  target,
  props: {
    locale,
    version: extensionVersion(),
    checkBackground: async () => {
      await sendRequest({ type: 'ping' });
    },
    vaultStatus: () => sendRequest({ type: 'vault.status' }),
    lock: () => sendRequest({ type: 'vault.lock' }),
    openDashboard,
    logKeyChanged: async () =>
      (await sendRequest({ type: 'settings.get' })).settings.logKeyMismatch !== null,
  },
});
