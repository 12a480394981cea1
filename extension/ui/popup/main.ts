/**
 * The popup's entry: reads the browser's language and the version from the installed manifest
 * and mounts the component, which speaks the language setting once the background tells it (as
 * the dashboard and the consent window do). Everything browser-specific is passed in, so
 * App.svelte stays plain.
 */
import { mount } from 'svelte';
import { extensionVersion, openDashboard, sendRequest } from '../../platform/runtime';
import { browserLocale } from '../locale';
import App from './App.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/popup/index.html lacks #app');

mount(App, {
  target,
  props: {
    browserLocale: browserLocale(navigator),
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
