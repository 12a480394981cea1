/**
 * The dashboard's entry: mounts the component with the browser-facing functions passed in, so the
 * components stay plain (they never import the platform).
 */
import { mount } from 'svelte';
import { openDashboard, sendRequest } from '../../platform/runtime';
import { pickLocale } from '../locale';
import App from './App.svelte';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/dashboard/index.html lacks #app');

mount(App, {
  target,
  props: {
    browserLocale: pickLocale(
      navigator.languages.length > 0 ? navigator.languages : [navigator.language],
    ),
    send: sendRequest,
    openDashboard,
  },
});
