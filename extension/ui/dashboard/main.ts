/**
 * The dashboard's entry: mounts the component with the browser-facing functions passed in, so the
 * components stay plain (they never import the platform).
 */
import { mount } from 'svelte';
import { isProtocolError } from '../../../protocol/errors';
import { openDashboard, sendRequest } from '../../platform/runtime';
import { pickLocale } from '../locale';
import App from './App.svelte';
import { forgetDrafts } from './drafts';
import type { Send } from './types';

const target = document.getElementById('app');
if (target === null) throw new Error('ui/dashboard/index.html lacks #app');

/**
 * `send` that forgets the views' unsaved drafts whenever an answer says the vault is no longer
 * unlocked (locked, wiped: a `vault.status` answer, the poll's or the Lock button's) or a request
 * was refused as locked. It sees every answer before the dashboard acts on it, so a view unmounted
 * by that lock keeps nothing either.
 */
function forgettingDraftsOnLock(send: Send): Send {
  return async (request) => {
    try {
      const answer = await send(request);
      const status = answer as { type: string; state?: string };
      if (status.type === 'vault.status' && status.state !== 'unlocked') forgetDrafts();
      return answer;
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_LOCKED')) forgetDrafts();
      throw e;
    }
  };
}

mount(App, {
  target,
  props: {
    browserLocale: pickLocale(
      navigator.languages.length > 0 ? navigator.languages : [navigator.language],
    ),
    send: forgettingDraftsOnLock(sendRequest),
    openDashboard,
  },
});
