/**
 * The dashboard's entry: mounts the component with the browser-facing functions passed in, so the
 * components stay plain (they never import the platform).
 */
import { mount } from 'svelte';
import { openDashboard, sendRequest } from '../../platform/runtime';
import { browserLocale } from '../locale';
import App from './App.svelte';
import { forgettingDrafts } from './drafts';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/dashboard/index.html lacks #app');

mount(App, {
  target,
  props: {
    browserLocale: browserLocale(navigator),
    send: forgettingDrafts(sendRequest),
    openDashboard,
  },
});
