/**
 * The consent window's entry (issue 7): the background opens this page with `?ticket=` for a
 * checked request; the component talks to the background only through `send`.
 */
import { mount } from 'svelte';
import { sendRequest } from '../../platform/runtime';
import { browserLocale as browserLocaleOf } from '../locale';
import ActionConfirm from './ActionConfirm.svelte';
import Consent from './Consent.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/consent/index.html lacks #app');

const params = new URLSearchParams(location.search);
const browserLocale = browserLocaleOf(navigator);
// Opened in the dashboard's tab (dashboard/App.svelte `openConsent`): "close" goes back there, to
// the relationships the request came from; a window the Assistant opened closes.
const fromDashboard = params.get('from') === 'dashboard';
const close = fromDashboard
  ? () => {
      location.href = '../dashboard/index.html?section=relationships';
    }
  : () => window.close();
const closeKey = fromDashboard ? 'extension.consent.backToDashboard' : 'extension.consent.close';

/**
 * Keeps the background awake while this page is open. The request on screen lives in the
 * background's memory (core/consent-tickets.ts), and a browser ends an idle background: Firefox
 * its event page after 30 s (`extensions.background.idle.timeout`), Chromium its service worker
 * after 30 s; the ticket was then gone and the answer refused ("no longer open") after a minute
 * of reading (found in Firefox ESR). A message from an extension page counts as activity;
 * `settings.get` is passive (service.ts), so this does not postpone the auto-lock.
 */
const keepAwakeMs = 5_000;
setInterval(() => void sendRequest({ type: 'settings.get' }).catch(() => undefined), keepAwakeMs);
// `?action=`: an action from the clearinghouse's "my data" page to confirm (issue 9).
const action = params.get('action');
if (action !== null) {
  mount(ActionConfirm, {
    target,
    props: { browserLocale, ticket: action, send: sendRequest, close, closeKey },
  });
} else {
  mount(Consent, {
    target,
    props: {
      browserLocale,
      ticket: params.get('ticket') ?? '',
      send: sendRequest,
      close,
      closeKey,
    },
  });
}
