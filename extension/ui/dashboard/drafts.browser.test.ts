/**
 * The views' unsaved drafts are the unlocked vault's: the `send` the dashboard uses forgets them
 * when the vault locks or is wiped, and when its records are replaced (a backup restored, or work
 * a restore overtook), so edits made over the old records never come back over the new ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../protocol/errors';
import { defaultProfile } from '../../../protocol/profile';
import { forgettingDrafts, profileDraft, settingsDraft } from './drafts';
import type { Send } from './types';

/** Both views keep an unsaved draft, as after editing and going to another view. */
function keepDrafts() {
  const profile = defaultProfile('en', 'Europe/Berlin');
  profileDraft.keep(profileDraft.session(), {
    edits: { base: { profile, revision: 'r-0' }, profile },
    adding: { category: '', company: '' },
  });
  settingsDraft.keep(settingsDraft.session(), { url: 'https://ch.example', minutes: 5 });
  expect([profileDraft.unsaved(), settingsDraft.unsaved()]).toEqual([true, true]);
}

const kept = () => [profileDraft.unsaved(), settingsDraft.unsaved()];

/** A `send` answering `answer` (or throwing it), wrapped as the dashboard's. */
const sendAnswering = (answer: unknown): Send =>
  forgettingDrafts((async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  }) as never);

afterEach(() => {
  profileDraft.forget();
  settingsDraft.forget();
});

describe('forgettingDrafts', () => {
  it.each<[string, { type: string }, unknown]>([
    ['a status saying locked', { type: 'vault.status' }, { type: 'vault.status', state: 'locked' }],
    [
      'a status saying absent (wiped)',
      { type: 'vault.status' },
      { type: 'vault.status', state: 'absent' },
    ],
    [
      'a request refused as locked',
      { type: 'profile.get' },
      new ProtocolError('ERR_VAULT_LOCKED', 'locked'),
    ],
    // Failed before: a restore left the vault unlocked, and the old vault's edits came back.
    ['a backup restored', { type: 'backup.restore' }, { type: 'backup.restored' }],
    [
      'work a restore overtook',
      { type: 'relationships.list' },
      new ProtocolError('ERR_VAULT_REPLACED', 'restored'),
    ],
  ])('forgets them after %s', async (_case, request, answer) => {
    keepDrafts();
    await sendAnswering(answer)(request as never).catch(() => undefined);
    expect(kept()).toEqual([false, false]);
  });

  it.each<[string, { type: string }, unknown]>([
    [
      'a status saying unlocked',
      { type: 'vault.status' },
      { type: 'vault.status', state: 'unlocked' },
    ],
    ['another answer', { type: 'profile.get' }, { type: 'profile' }],
    ['another error', { type: 'profile.set' }, new ProtocolError('ERR_PROFILE_CHANGED', 'changed')],
  ])('keeps them after %s', async (_case, request, answer) => {
    keepDrafts();
    await sendAnswering(answer)(request as never).catch(() => undefined);
    expect(kept()).toEqual([true, true]);
  });
});
