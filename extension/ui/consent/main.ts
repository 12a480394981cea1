/**
 * The consent window's entry (issue 7): the background opens this page with `?ticket=` for a
 * checked request; the component talks to the background only through `send`.
 */
import { mount } from 'svelte';
import { sendRequest } from '../../platform/runtime';
import { pickLocale } from '../locale';
import Consent from './Consent.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/consent/index.html lacks #app');

mount(Consent, {
  target,
  props: {
    browserLocale: pickLocale(
      navigator.languages.length > 0 ? navigator.languages : [navigator.language],
    ),
    ticket: new URLSearchParams(location.search).get('ticket') ?? '',
    send: sendRequest,
    close: () => window.close(),
  },
});
