/**
 * The consent window's entry (issue 7): the background opens this page with `?ticket=` for a
 * checked request; the component talks to the background only through `send`.
 */
import { mount } from 'svelte';
import { sendRequest } from '../../platform/runtime';
import { pickLocale } from '../locale';
import ActionConfirm from './ActionConfirm.svelte';
import Consent from './Consent.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/consent/index.html lacks #app');

const params = new URLSearchParams(location.search);
const browserLocale = pickLocale(
  navigator.languages.length > 0 ? navigator.languages : [navigator.language],
);
const close = () => window.close();
// `?action=`: an action from the clearinghouse's "my data" page to confirm (issue 9).
const action = params.get('action');
if (action !== null) {
  mount(ActionConfirm, {
    target,
    props: { browserLocale, ticket: action, send: sendRequest, close },
  });
} else {
  mount(Consent, {
    target,
    props: { browserLocale, ticket: params.get('ticket') ?? '', send: sendRequest, close },
  });
}
