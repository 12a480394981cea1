/**
 * Unsaved edits of a dashboard view kept while another view shows ("nothing lost"): in this
 * page's memory only, never written anywhere. The vault locking or being wiped forgets them (they
 * are the unlocked vault's, {@link forgetDrafts}), and closing the page with edits unsaved asks
 * first (`beforeunload`).
 *
 * A view takes its draft as it mounts ({@link KeptDraft.take}) and keeps what is unsaved as it goes
 * ({@link KeptDraft.keep}); a draft forgotten between the two is not kept again (the session a view
 * mounted in is over).
 */
import { isProtocolError } from '../../../protocol/errors';
import type { Profile } from '../../../protocol/profile';
import type { RevisedProfile } from '../../core/preferences';
import type { Send } from './types';

/**
 * One view's kept draft.
 *
 * @example
 * ```ts
 * const session = settingsDraft.session();
 * const draft = settingsDraft.take(session); // null: show what is stored
 * settingsDraft.showing(() => unsaved); // while the view shows
 * settingsDraft.keep(session, unsaved ? { url, minutes } : null); // as the view goes
 * ```
 */
export class KeptDraft<T> {
  #kept: T | null = null;
  #forgotten = 0;
  #showsUnsaved: () => boolean = () => false;
  #warns = false;

  /** The session a view mounts in: a {@link forget} ends it. */
  session(): number {
    return this.#forgotten;
  }

  /** The draft kept in `session` (null: none, or forgotten since); the view holds it from now on. */
  take(session: number): T | null {
    const draft = session === this.#forgotten ? this.#kept : null;
    this.#kept = null;
    return draft;
  }

  /** Keeps `draft` (null: nothing unsaved) unless the session ended since the view mounted. */
  keep(session: number, draft: T | null): void {
    if (session === this.#forgotten) this.#kept = draft;
  }

  /** Whether the view on show has unsaved edits (`() => false` once it goes); asks on closing. */
  showing(unsaved: () => boolean): void {
    this.#showsUnsaved = unsaved;
    if (this.#warns) return;
    this.#warns = true;
    window.addEventListener('beforeunload', (event) => {
      if (this.unsaved()) event.preventDefault();
    });
  }

  /** Whether closing the page would lose unsaved edits (shown or kept). */
  unsaved(): boolean {
    return this.#kept !== null || this.#showsUnsaved();
  }

  /** Forgets the kept draft and ends the session: a view on show keeps nothing when it goes. */
  forget(): void {
    this.#kept = null;
    this.#forgotten++;
  }
}

/** What the profile form's add fields hold, typed but not added to their lists yet. */
export interface ProfileAddFields {
  /** A new interest's category. */
  category: string;
  /** A company id for the per-company preferences. */
  company: string;
}

/**
 * The profile form's edits and the stored profile they were made over (its revision is saved
 * with them; null: the profile was not edited), and what its add fields hold: text typed there
 * is lost with the page or the view as surely as an edit, and is as much the unlocked vault's.
 */
export const profileDraft = new KeptDraft<{
  edits: { base: RevisedProfile; profile: Profile } | null;
  adding: ProfileAddFields;
}>();

/** The settings' address form (never the passphrases). */
export const settingsDraft = new KeptDraft<{ url: string; minutes: number | null }>();

/** Forgets every view's unsaved edits: the vault locked or was wiped. */
export function forgetDrafts(): void {
  profileDraft.forget();
  settingsDraft.forget();
}

/**
 * `send` that forgets the views' unsaved drafts whenever an answer says the vault is no longer
 * unlocked (locked, wiped: a `vault.status` answer, the poll's or the Lock button's), a request
 * was refused as locked, or the records were replaced (a backup restored, or work a restore
 * overtook): the drafts were made over records that are gone. It sees every answer before the
 * dashboard acts on it, so a view unmounted by that lock keeps nothing either.
 *
 * @example
 * ```ts
 * mount(App, { target, props: { send: forgettingDrafts(sendRequest), ... } });
 * ```
 */
export function forgettingDrafts(send: Send): Send {
  return async (request) => {
    try {
      const answer = await send(request);
      const status = answer as { type: string; state?: string };
      if (status.type === 'vault.status' && status.state !== 'unlocked') forgetDrafts();
      if (request.type === 'backup.restore') forgetDrafts();
      return answer;
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_LOCKED') || isProtocolError(e, 'ERR_VAULT_REPLACED'))
        forgetDrafts();
      throw e;
    }
  };
}
