/**
 * The profile form in a real Chromium: Enter in an add-field adds its item instead of saving the
 * profile, and a field the background would refuse (a time zone, a category, a company id, a
 * cap) is named beside it in the customer's language, with what it allows, before anything is
 * sent: what was typed stays, the focus goes to the field, and nothing of the profile is saved.
 * A save refused because the profile changed elsewhere meanwhile says so, and shows the newest
 * profile with the customer's edits over it, to be saved again. Edits not saved outlive the
 * view (in memory, until the vault locks) and the closing page asks first; "Discard changes"
 * drops them. Each row's controls are named after their row, and after "Remove" the focus goes
 * to a neighbour, never to the page. Save adds what an add field holds (or refuses it), so the
 * status and SaveBar never contradict each other; sentences name a field by its short name; a
 * long code wraps inside its box; the category field counts towards its maximum and suggests
 * the codes known; the weight sliders are announced in percent, in the page's language.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultProfile, type Profile } from '../../../protocol/profile';
import { withChannelsAllowed } from '../../core/preferences';
import { hostComponents } from '../component-host.fixture';
import ProfileView from './ProfileView.svelte';
import { forgettingDrafts, profileDraft } from './drafts';

const host = hostComponents();
const { byTestId } = host;
const company = `co_${'A'.repeat(42)}A`;

/** The profiles saved. */
let saved: Profile[];
/** The background's stored profile and its revision (opaque to the view). */
let stored: { profile: Profile; revision: string };
let writes: number;
/** While set, a save waits for it (a save under way). */
let hold: Promise<void> | undefined;
/** The categories of the offers the background holds (`offers.categories`). */
let offerCategories: string[];
/** The types of the requests the view sent, in order. */
let sent: string[];

// Unsaved edits are kept between mounts (as between views): no test leaves any for the next.
afterEach(() => profileDraft.forget());

beforeEach(() => {
  saved = [];
  writes = 0;
  hold = undefined;
  offerCategories = [];
  sent = [];
  stored = { profile: defaultProfile('en', 'Europe/Berlin'), revision: 'revision-0' };
});

/** The background writes the stored profile, as a consent window allowing channels does. */
function changeElsewhere(change: (p: Profile) => Profile) {
  stored = { profile: change(stored.profile), revision: `revision-${++writes}` };
}

async function showProfile(locale: 'de' | 'en') {
  stored.profile = { ...stored.profile, language: locale };
  // As the background does: a save over a revision that is no longer the stored one is refused.
  const send = (async (request: { type: string; profile?: Profile; revision?: string }) => {
    sent.push(request.type);
    // Each code once, as the background answers.
    if (request.type === 'offers.categories')
      return { type: 'offers.categories', categories: [...new Set(offerCategories)] };
    if (request.type === 'profile.set') {
      await hold;
      if (request.revision !== stored.revision)
        throw new ProtocolError('ERR_PROFILE_CHANGED', 'the profile was changed meanwhile');
      saved.push(request.profile!);
      changeElsewhere(() => request.profile!);
    }
    return { type: 'profile', ...stored };
  }) as never;
  host.mount(ProfileView, { locale, send });
  await expect.poll(() => byTestId('profile-form')).not.toBeNull();
}

/** The sentence the page announces as an alert, if any. */
const alerted = () => host.target.querySelector('[role="alert"]')?.textContent?.trim();

/** The sentence shown beside `field`. */
const said = (field: string) => byTestId(`${field}-error`)?.textContent?.trim();

it('adds a category and a company with Enter in their fields, without saving the profile', async () => {
  await showProfile('en');
  await userEvent.type(byTestId('new-category')!, 'travel/rail{Enter}');
  await userEvent.type(byTestId('new-company')!, `${company}{Enter}`);
  await expect.poll(() => host.target.textContent).toContain('travel/rail');
  expect(host.target.textContent).toContain(company);
  expect((byTestId('new-category') as HTMLInputElement).value).toBe('');
  expect(saved).toEqual([]);
  await userEvent.click(byTestId('save-profile')!);
  await expect.poll(() => saved.length).toBe(1);
  expect(saved[0]!.interests).toEqual([{ category: 'travel/rail', weight: 0.5 }]);
  expect(saved[0]!.companies.map((c) => c.company)).toEqual([company]);
});

it.each([
  [
    'de',
    'new-category',
    'Reisen/Bahn 🙂',
    'extension.input.category',
    'extension.profile.category.name',
  ],
  [
    'en',
    'new-category',
    'Travel/Rail 🙂',
    'extension.input.category',
    'extension.profile.category.name',
  ],
  [
    'de',
    'new-company',
    'Laufhaus GmbH',
    'extension.input.companyId',
    'extension.profile.companyId.name',
  ],
  [
    'en',
    'new-company',
    'co_short',
    'extension.input.companyId',
    'extension.profile.companyId.name',
  ],
] as const)(
  'in %s, Enter in %s with "%s" says what the field allows and adds nothing',
  async (locale, field, typed, rule, label) => {
    await showProfile(locale);
    await userEvent.fill(byTestId(field) as HTMLInputElement, typed);
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => said(field)).toBe(t(locale, rule, { field: t(locale, label) }));
    expect((byTestId(field) as HTMLInputElement).value).toBe(typed);
    expect(document.activeElement).toBe(byTestId(field));
    expect(byTestId(field)!.getAttribute('aria-invalid')).toBe('true');
    expect(saved).toEqual([]);
  },
);

it.each([
  ['de', 'Mars/Phobos', 'extension.input.timeZone'],
  ['en', 'Mars/Phobos', 'extension.input.timeZone'],
  ['en', '', 'extension.input.missing'],
] as const)(
  'in %s refuses the time zone "%s" beside the field and saves nothing',
  async (locale, typed, rule) => {
    await showProfile(locale);
    await userEvent.fill(byTestId('time-zone') as HTMLInputElement, typed);
    await userEvent.click(byTestId('save-profile')!);
    await expect
      .poll(() => said('tz'))
      .toBe(t(locale, rule, { field: t(locale, 'extension.profile.timeZone') }));
    expect(document.activeElement).toBe(byTestId('time-zone'));
    expect(saved).toEqual([]);
  },
);

it.each([
  ['de', '2.5', '1.000'],
  ['en', '-1', '1,000'],
] as const)('in %s refuses a weekly cap of %s with its range', async (locale, typed, max) => {
  await showProfile(locale);
  await userEvent.fill(byTestId('cap-overall') as HTMLInputElement, typed);
  await userEvent.click(byTestId('save-profile')!);
  await expect
    .poll(() => said('cap-overall'))
    .toBe(
      t(locale, 'extension.input.wholeNumber', {
        field: t(locale, 'extension.profile.capOverall.name'),
        min: '0',
        max,
      }),
    );
  expect(saved).toEqual([]);
});

describe('a sentence about a field', () => {
  it.each([
    [
      'en',
      'new-category',
      'sports running',
      '“Category code” may contain only lower-case letters a–z, digits and _, in up to four parts separated by / (e.g. travel/rail).',
    ],
    [
      'de',
      'new-category',
      'Fußball',
      '„Kategorie-Code“ darf nur Kleinbuchstaben a–z (ohne Umlaute und ß), Ziffern und _ enthalten, in bis zu vier durch / getrennten Teilen (z. B. travel/rail).',
    ],
    [
      'en',
      'cap-overall',
      '-1',
      'Enter a whole number from 0 to 1,000 in “Contacts per week (overall)”.',
    ],
    [
      'de',
      'cap-company',
      '2.5',
      'Geben Sie bei „Kontakte pro Woche (je Unternehmen)“ eine ganze Zahl von 0 bis 1.000 ein.',
    ],
    [
      'en',
      'new-company',
      'co_short',
      '“Company id” must be a company id: co_ followed by 43 letters, digits, - or _, as the company’s page at the clearinghouse shows it.',
    ],
  ] as const)(
    'in %s names %s by its short name, not its label with the hint',
    async (locale, field, typed, sentence) => {
      await showProfile(locale);
      await userEvent.fill(byTestId(field) as HTMLInputElement, typed);
      await userEvent.click(byTestId('save-profile')!);
      // Failed before: “Category code (e.g. travel/rail; only a–z, 0–9, _ and /)” may contain …,
      // and “At most this many contacts per week (empty: no limit): overall”.
      await expect.poll(() => said(field)).toBe(sentence);
      expect(saved).toEqual([]);
    },
  );
});

it.each([
  ['en', 'Share of surprising offers: 10%'],
  ['de', 'Anteil überraschender Angebote: 10 %'],
] as const)('writes the share of surprising offers in %s as "%s"', async (locale, said) => {
  await showProfile(locale);
  expect(host.target.querySelector('label[for="serendipity"]')!.textContent!.trim()).toBe(said);
});

it.each(['de', 'en'] as const)(
  'in %s, says a save was refused because a consent window allowed channels meanwhile, and saves the edits over them when asked again',
  async (locale) => {
    await showProfile(locale);
    await userEvent.click(byTestId('mode-automatic')!);
    changeElsewhere((p) => withChannelsAllowed(p, ['newsletter'], 'newsletter'));
    await userEvent.click(byTestId('save-profile')!);
    await expect.poll(alerted).toBe(t(locale, 'extension.profile.changedElsewhere'));
    expect(saved).toEqual([]);
    expect(byTestId('profile-status')!.textContent).toBe('');
    // The form shows the channel allowed meanwhile and keeps the unsaved edit.
    expect((byTestId('channel-newsletter') as HTMLInputElement).checked).toBe(true);
    expect((byTestId('mode-automatic') as HTMLInputElement).checked).toBe(true);
    // Saved again from the keyboard: the edit and the channel both land.
    byTestId('save-profile')!.focus();
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => saved.length).toBe(1);
    expect(saved[0]).toMatchObject({
      mode: 'automatic',
      channels: { allowed: ['newsletter'], preferred: 'newsletter' },
    });
    await expect
      .poll(() => byTestId('profile-status')!.textContent)
      .toBe(t(locale, 'extension.dashboard.saved'));
    expect(alerted()).toBeUndefined();
  },
);

it('keeps what was typed while a save was under way, to be saved next', async () => {
  await showProfile('en');
  let release!: () => void;
  hold = new Promise<void>((resolve) => (release = resolve));
  await userEvent.click(byTestId('save-profile')!);
  // Typed while the save is on its way.
  await userEvent.click(byTestId('mode-automatic')!);
  release();
  // Saved, and said not to hold what was changed meanwhile: never "Saved." beside "Unsaved
  // changes" (failed before).
  await expect
    .poll(() => byTestId('profile-status')!.textContent)
    .toBe(t('en', 'extension.dashboard.savedChangedSince'));
  expect(byTestId('profile-unsaved')).not.toBeNull();
  expect(saved).toHaveLength(1);
  expect(saved[0]!.mode).not.toBe('automatic');
  expect((byTestId('mode-automatic') as HTMLInputElement).checked).toBe(true);
  await userEvent.click(byTestId('save-profile')!);
  await expect.poll(() => saved.length).toBe(2);
  expect(saved[1]!.mode).toBe('automatic');
  await expect
    .poll(() => byTestId('profile-status')!.textContent)
    .toBe(t('en', 'extension.dashboard.saved'));
  expect(byTestId('profile-unsaved')).toBeNull();
});

it.each(['de', 'en'] as const)(
  'in %s no longer says "Saved." once the form is changed after the save',
  async (locale) => {
    await showProfile(locale);
    await userEvent.click(byTestId('save-profile')!);
    await expect
      .poll(() => byTestId('profile-status')!.textContent)
      .toBe(t(locale, 'extension.dashboard.saved'));
    await userEvent.click(byTestId('mode-automatic')!);
    // Failed before: "Saved." stayed beside "Unsaved changes".
    await expect
      .poll(() => byTestId('profile-status')!.textContent)
      .toBe(t(locale, 'extension.dashboard.savedChangedSince'));
    expect(byTestId('profile-unsaved')!.textContent).toBe(t(locale, 'extension.dashboard.unsaved'));
    // Changed back: what shows is what is saved again.
    await userEvent.click(byTestId('mode-manual')!);
    await expect
      .poll(() => byTestId('profile-status')!.textContent)
      .toBe(t(locale, 'extension.dashboard.saved'));
    expect(byTestId('profile-unsaved')).toBeNull();
  },
);

/** Whether closing the page now would ask first (a `beforeunload` the page cancels). */
function closingAsks(): boolean {
  const event = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

/** Leaves the view (as going to another one does) and comes back to it. */
async function leaveAndReturn(locale: 'de' | 'en') {
  await host.unmount();
  await showProfile(locale);
}

const interestsShown = () =>
  [...host.target.querySelectorAll('[data-testid="interest-remove"]')].map((b) =>
    b.getAttribute('aria-label'),
  );

describe('edits not saved yet', () => {
  it.each(['de', 'en'] as const)(
    'in %s are still there after going to another view and back, said to be unsaved, and saved with Save',
    async (locale) => {
      await showProfile(locale);
      expect(byTestId('profile-unsaved')).toBeNull();
      await userEvent.type(byTestId('new-category')!, 'garden{Enter}');
      await userEvent.click(byTestId('channel-sms')!);
      await expect
        .poll(() => byTestId('profile-unsaved')?.textContent)
        .toBe(t(locale, 'extension.dashboard.unsaved'));
      await leaveAndReturn(locale);
      // Failed before: the form showed the stored profile again, "garden" and SMS gone.
      await expect
        .poll(interestsShown)
        .toEqual([t(locale, 'extension.profile.removeInterest', { category: 'garden' })]);
      expect((byTestId('channel-sms') as HTMLInputElement).checked).toBe(true);
      expect(byTestId('profile-unsaved')!.textContent).toBe(
        t(locale, 'extension.dashboard.unsaved'),
      );
      expect(byTestId('profile-restored')!.textContent!.trim()).toBe(
        t(locale, 'extension.dashboard.restored'),
      );
      expect(saved).toEqual([]);
      await userEvent.click(byTestId('save-profile')!);
      await expect.poll(() => saved.length).toBe(1);
      expect(saved[0]!.interests).toEqual([{ category: 'garden', weight: 0.5 }]);
      expect(saved[0]!.channels.allowed).toEqual(['sms']);
      await expect.poll(() => byTestId('profile-unsaved')).toBeNull();
      expect(byTestId('profile-restored')).toBeNull();
      // Saved: nothing is kept any more.
      await leaveAndReturn(locale);
      expect(byTestId('profile-unsaved')).toBeNull();
    },
  );

  it('kept while another view showed, are refused over a profile changed meanwhile and reapplied over it', async () => {
    await showProfile('en');
    await userEvent.type(byTestId('new-category')!, 'garden{Enter}');
    await host.unmount();
    changeElsewhere((p) => withChannelsAllowed(p, ['newsletter'], 'newsletter'));
    await showProfile('en');
    await expect.poll(interestsShown).toHaveLength(1);
    await userEvent.click(byTestId('save-profile')!);
    await expect.poll(alerted).toBe(t('en', 'extension.profile.changedElsewhere'));
    expect(saved).toEqual([]);
    expect((byTestId('channel-newsletter') as HTMLInputElement).checked).toBe(true);
    await userEvent.click(byTestId('save-profile')!);
    await expect.poll(() => saved.length).toBe(1);
    expect(saved[0]).toMatchObject({
      interests: [{ category: 'garden', weight: 0.5 }],
      channels: { allowed: ['newsletter'], preferred: 'newsletter' },
    });
  });

  it('make the closing page ask first, shown or kept, and not once they are discarded', async () => {
    await showProfile('en');
    expect(closingAsks()).toBe(false);
    await userEvent.click(byTestId('mode-automatic')!);
    // Failed before: nothing asked, the edit went with the page.
    await expect.poll(closingAsks).toBe(true);
    await leaveAndReturn('en');
    expect(closingAsks()).toBe(true);
    byTestId('discard-profile')!.focus();
    await userEvent.keyboard('{Enter}');
    await expect
      .poll(() => byTestId('profile-status')!.textContent)
      .toBe(t('en', 'extension.dashboard.discarded'));
    expect((byTestId('mode-automatic') as HTMLInputElement).checked).toBe(false);
    expect(byTestId('discard-profile')).toBeNull();
    // The button pressed is gone: the focus is on Save, not on the page.
    expect(document.activeElement).toBe(byTestId('save-profile'));
    expect(closingAsks()).toBe(false);
    await leaveAndReturn('en');
    expect((byTestId('mode-automatic') as HTMLInputElement).checked).toBe(false);
    expect(saved).toEqual([]);
  });

  it('survive a view that went before the stored profile came, and that view’s late answer', async () => {
    await showProfile('en');
    await userEvent.type(byTestId('new-category')!, 'garden{Enter}');
    await host.unmount();
    // Back to the profile and away again before the background answered (it is slow, syncing).
    let answer: (() => void) | undefined;
    const slow = (async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      return { type: 'profile', ...stored };
    }) as never;
    host.mount(ProfileView, { locale: 'en' as const, send: slow });
    await expect.poll(() => answer).toBeDefined();
    await host.unmount();
    // Its answer comes after it went. Failed before: the answer took the draft into a view that
    // was gone, and the next visit showed the stored profile, "garden" lost.
    answer!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await showProfile('en');
    await expect
      .poll(interestsShown)
      .toEqual([t('en', 'extension.profile.removeInterest', { category: 'garden' })]);
    expect(byTestId('profile-restored')).not.toBeNull();
  });

  it('are forgotten when the vault locks, the form shown then included', async () => {
    await showProfile('en');
    await userEvent.click(byTestId('mode-automatic')!);
    await leaveAndReturn('en');
    expect((byTestId('mode-automatic') as HTMLInputElement).checked).toBe(true);
    // The lock comes while the form shows; the view goes with it.
    profileDraft.forget();
    await leaveAndReturn('en');
    expect((byTestId('mode-automatic') as HTMLInputElement).checked).toBe(false);
    expect(byTestId('profile-unsaved')).toBeNull();
    expect(closingAsks()).toBe(false);
  });
});

describe('what an add field holds, typed but not added yet', () => {
  const addFields = ['new-category', 'new-company'] as const;
  const typed = { 'new-category': 'garden', 'new-company': company };
  const held = () => addFields.map((field) => (byTestId(field) as HTMLInputElement).value);

  /** Types into both add fields without adding (no Enter, no Add). */
  async function typeWithoutAdding() {
    for (const field of addFields) await userEvent.type(byTestId(field)!, typed[field]);
  }

  it.each(['de', 'en'] as const)(
    'in %s is still there after going to another view and back, said to be unsaved, and asked about before the page closes',
    async (locale) => {
      await showProfile(locale);
      await typeWithoutAdding();
      await expect
        .poll(() => byTestId('profile-unsaved')?.textContent)
        .toBe(t(locale, 'extension.dashboard.unsaved'));
      expect(closingAsks()).toBe(true);
      await host.unmount();
      expect(closingAsks()).toBe(true);
      await showProfile(locale);
      // Failed before: both fields came back empty, what was typed gone.
      await expect.poll(held).toEqual([typed['new-category'], typed['new-company']]);
      expect(byTestId('profile-unsaved')!.textContent).toBe(
        t(locale, 'extension.dashboard.unsaved'),
      );
      // Nothing was added on the way, and Add takes what came back.
      expect(interestsShown()).toEqual([]);
      await userEvent.click(byTestId('add-interest')!);
      await userEvent.click(byTestId('add-company')!);
      await expect
        .poll(interestsShown)
        .toEqual([t(locale, 'extension.profile.removeInterest', { category: 'garden' })]);
      expect(host.target.textContent).toContain(company);
      expect(held()).toEqual(['', '']);
      expect(saved).toEqual([]);
    },
  );

  it('comes back over the profile stored meanwhile, which a save then takes', async () => {
    await showProfile('en');
    await typeWithoutAdding();
    await host.unmount();
    changeElsewhere((p) => withChannelsAllowed(p, ['newsletter'], 'newsletter'));
    await showProfile('en');
    await expect.poll(held).toEqual([typed['new-category'], typed['new-company']]);
    // No edit of the profile was kept: the form shows the newest one, and says nothing came back.
    expect((byTestId('channel-newsletter') as HTMLInputElement).checked).toBe(true);
    expect(byTestId('profile-restored')).toBeNull();
    await userEvent.click(byTestId('save-profile')!);
    await expect.poll(() => saved.length).toBe(1);
    expect(alerted()).toBeUndefined();
    // Save adds what is typed, as Add would, and saves it with the profile stored meanwhile.
    expect(saved[0]).toMatchObject({
      interests: [{ category: 'garden', weight: 0.5 }],
      companies: [{ company, relationship: 'pragmatic_buyer', maxContactsPerWeek: null }],
      channels: { allowed: ['newsletter'] },
    });
    expect(held()).toEqual(['', '']);
  });

  it.each(['de', 'en'] as const)(
    'in %s is added by Save, which then says "Saved." and nothing unsaved (never both)',
    async (locale) => {
      await showProfile(locale);
      await typeWithoutAdding();
      await userEvent.click(byTestId('save-profile')!);
      await expect
        .poll(() => byTestId('profile-status')!.textContent)
        .toBe(t(locale, 'extension.dashboard.saved'));
      // Failed before: "Saved." and "Unsaved changes" side by side, the id still in its field.
      expect(byTestId('profile-unsaved')).toBeNull();
      expect(held()).toEqual(['', '']);
      expect(saved).toHaveLength(1);
      expect(saved[0]!.interests).toEqual([{ category: 'garden', weight: 0.5 }]);
      expect(saved[0]!.companies.map((c) => c.company)).toEqual([company]);
      expect(interestsShown()).toEqual([
        t(locale, 'extension.profile.removeInterest', { category: 'garden' }),
      ]);
      expect(closingAsks()).toBe(false);
    },
  );

  it.each(['de', 'en'] as const)(
    'in %s that cannot be added makes Save refuse beside its field, saving nothing',
    async (locale) => {
      await showProfile(locale);
      await userEvent.type(byTestId('new-category')!, 'garden');
      await userEvent.type(byTestId('new-company')!, 'Laufhaus GmbH');
      await userEvent.click(byTestId('save-profile')!);
      await expect
        .poll(() => said('new-company'))
        .toBe(
          t(locale, 'extension.input.companyId', {
            field: t(locale, 'extension.profile.companyId.name'),
          }),
        );
      // Nothing changed: not even the valid category was added.
      expect(document.activeElement).toBe(byTestId('new-company'));
      expect(saved).toEqual([]);
      expect(held()).toEqual(['garden', 'Laufhaus GmbH']);
      expect(interestsShown()).toEqual([]);
      expect(byTestId('profile-status')!.textContent).toBe('');
      expect(byTestId('profile-unsaved')).not.toBeNull();
    },
  );

  it('is dropped by "Discard changes" with the edits, the focus going to Save', async () => {
    await showProfile('en');
    await typeWithoutAdding();
    // Failed before: text in an add field alone was not unsaved, and there was nothing to press.
    await expect.poll(() => byTestId('discard-profile')).not.toBeNull();
    byTestId('discard-profile')!.focus();
    await userEvent.keyboard('{Enter}');
    await expect
      .poll(() => byTestId('profile-status')!.textContent)
      .toBe(t('en', 'extension.dashboard.discarded'));
    expect(held()).toEqual(['', '']);
    expect(byTestId('profile-unsaved')).toBeNull();
    expect(document.activeElement).toBe(byTestId('save-profile'));
    expect(closingAsks()).toBe(false);
    await leaveAndReturn('en');
    expect(held()).toEqual(['', '']);
  });

  it.each<[string, { type: string }, unknown]>([
    ['the vault locks', { type: 'vault.status' }, { type: 'vault.status', state: 'locked' }],
    ['the vault is wiped', { type: 'vault.status' }, { type: 'vault.status', state: 'absent' }],
    ['a backup is restored', { type: 'backup.restore' }, { type: 'backup.restored' }],
    [
      'work a restore overtook is refused',
      { type: 'relationships.list' },
      new ProtocolError('ERR_VAULT_REPLACED', 'restored'),
    ],
  ])('is forgotten when %s, as the edits are', async (_case, request, answer) => {
    await showProfile('en');
    await typeWithoutAdding();
    await leaveAndReturn('en');
    // Failed before: already gone here, with every other view switch.
    await expect.poll(held).toEqual([typed['new-category'], typed['new-company']]);
    await host.unmount();
    const send = forgettingDrafts((async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    }) as never);
    await send(request as never).catch(() => undefined);
    expect(closingAsks()).toBe(false);
    await showProfile('en');
    expect(held()).toEqual(['', '']);
    expect(byTestId('profile-unsaved')).toBeNull();
  });

  it('is forgotten when the vault locks while the form shows it', async () => {
    await showProfile('en');
    await typeWithoutAdding();
    await leaveAndReturn('en');
    await expect.poll(held).toEqual([typed['new-category'], typed['new-company']]);
    profileDraft.forget();
    await leaveAndReturn('en');
    expect(held()).toEqual(['', '']);
    expect(closingAsks()).toBe(false);
  });
});

describe('a row’s controls', () => {
  beforeEach(() => {
    stored.profile = {
      ...stored.profile,
      interests: ['sports', 'travel', 'garden'].map((category) => ({ category, weight: 0.5 })),
      companies: ['A', 'B'].map((c) => ({
        company: `co_${c.repeat(43)}`,
        relationship: 'pragmatic_buyer' as const,
        maxContactsPerWeek: null,
      })),
      quiet: {
        timeZone: 'Europe/Berlin',
        windows: [
          { days: [1, 2, 3, 4, 5], from: '22:00', to: '07:00' },
          { days: [6, 7], from: '23:00', to: '09:00' },
        ],
      },
    };
  });

  it.each(['de', 'en'] as const)('are named in %s after the row they are in', async (locale) => {
    await showProfile(locale);
    const named = (testId: string, attribute = 'aria-label') =>
      [...host.target.querySelectorAll(`[data-testid="${testId}"]`)].map((e) =>
        e.getAttribute(attribute),
      );
    // Failed before: "Weight" and "Remove", three times over.
    expect(named('interest-weight')).toEqual(
      ['sports', 'travel', 'garden'].map((category) =>
        t(locale, 'extension.profile.weightOf', { category }),
      ),
    );
    expect(interestsShown()).toEqual(
      ['sports', 'travel', 'garden'].map((category) =>
        t(locale, 'extension.profile.removeInterest', { category }),
      ),
    );
    expect(named('company-remove')).toEqual(
      ['A', 'B'].map((c) =>
        t(locale, 'extension.profile.removeCompany', { company: `co_${c.repeat(43)}` }),
      ),
    );
    expect(named('quiet-remove')).toEqual([
      t(locale, 'extension.profile.removeQuiet', { number: 1, from: '22:00', to: '07:00' }),
      t(locale, 'extension.profile.removeQuiet', { number: 2, from: '23:00', to: '09:00' }),
    ]);
    // A window's days and times are in a group named with its number.
    expect(named('quiet-window')).toEqual(
      [1, 2].map((number) => t(locale, 'extension.profile.quietWindow', { number })),
    );
    for (const group of host.target.querySelectorAll('[data-testid="quiet-window"]')) {
      expect(group.getAttribute('role')).toBe('group');
      expect(group.querySelectorAll('input[type="checkbox"]')).toHaveLength(7);
      expect(group.querySelectorAll('input[type="time"]')).toHaveLength(2);
    }
  });

  it.each([
    ['interest-remove', 3, 'new-category'],
    ['company-remove', 2, 'new-company'],
    ['quiet-remove', 2, 'add-quiet'],
  ] as const)(
    'after %s put the focus on the next row’s Remove, else the one before, else the list’s add control',
    async (testId, rows, fallback) => {
      await showProfile('en');
      const buttons = () => [
        ...host.target.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`),
      ];
      expect(buttons()).toHaveLength(rows);
      // The first row: the focus goes to the row now in its place.
      buttons()[0]!.focus();
      await userEvent.keyboard('{Enter}');
      await expect.poll(() => buttons().length).toBe(rows - 1);
      // Failed before: the focus fell to the page's body with the button.
      expect(document.activeElement).toBe(buttons()[0]);
      // The last row: the focus goes to the row before it.
      while (buttons().length > 1) {
        const count = buttons().length;
        buttons().at(-1)!.focus();
        await userEvent.keyboard('{Enter}');
        await expect.poll(() => buttons().length).toBe(count - 1);
        expect(document.activeElement).toBe(buttons().at(-1));
      }
      // The only row: the focus goes to the list's add field (or button).
      await userEvent.keyboard('{Enter}');
      await expect.poll(() => buttons().length).toBe(0);
      expect(document.activeElement).toBe(document.getElementById(fallback));
    },
  );
});

describe('the interests', () => {
  it('wrap a 100-character code inside their box at 1,000 px', async () => {
    stored.profile = {
      ...stored.profile,
      interests: [{ category: 'w'.repeat(100), weight: 0.5 }],
      companies: [{ company, relationship: 'pragmatic_buyer' as const, maxContactsPerWeek: null }],
    };
    host.target.style.width = '1000px';
    await showProfile('en');
    await expect.poll(() => byTestId('interest-category')?.textContent).toBe('w'.repeat(100));
    // Failed before: the code ran out of its fieldset (and the page) in one unbroken line.
    for (const fieldset of host.target.querySelectorAll('fieldset'))
      expect(fieldset.scrollWidth).toBeLessThanOrEqual(fieldset.clientWidth);
    expect(host.target.scrollWidth).toBeLessThanOrEqual(1000);
    expect(byTestId('interest-category')!.getBoundingClientRect().right).toBeLessThanOrEqual(
      host.target.getBoundingClientRect().right,
    );
  });

  it.each([
    ['de', 0.5, 'Gewicht 50 %', '50 %'],
    ['en', 0.5, 'Weight 50%', '50%'],
    ['de', -0.3, 'Gewicht -30 %', '-30 %'],
  ] as const)('in %s announce a weight of %s as "%s"', async (locale, weight, announced, shown) => {
    stored.profile = { ...stored.profile, interests: [{ category: 'sports', weight }] };
    await showProfile(locale);
    // Intl writes a no-break space before the per cent sign in German.
    const spaced = (s: string | null | undefined) => s?.replace(/\u00a0/g, ' ');
    // Failed before: announced as "0.5" in either language.
    expect(spaced(byTestId('interest-weight')!.getAttribute('aria-valuetext'))).toBe(announced);
    expect(spaced(byTestId('interest-weight-value')!.textContent)).toBe(shown);
    expect(spaced(host.target.querySelector('#serendipity')!.getAttribute('aria-valuetext'))).toBe(
      locale === 'de' ? '10 %' : '10%',
    );
  });

  it('announce the new weight when it is changed from the keyboard', async () => {
    stored.profile = { ...stored.profile, interests: [{ category: 'sports', weight: 0.5 }] };
    await showProfile('en');
    byTestId('interest-weight')!.focus();
    await userEvent.keyboard('{ArrowRight}');
    await expect
      .poll(() => byTestId('interest-weight')!.getAttribute('aria-valuetext'))
      .toBe('Weight 60%');
  });

  it('suggest the codes of the offers held, the refused ones and the parents of the interests, not those listed', async () => {
    stored.profile = {
      ...stored.profile,
      interests: [{ category: 'sports/running', weight: 0.5 }],
      refusedCategories: ['gambling'],
    };
    offerCategories = ['travel/rail', 'sports/running'];
    await showProfile('de');
    const input = byTestId('new-category') as HTMLInputElement;
    const suggested = () => [...(input.list?.querySelectorAll('option') ?? [])].map((o) => o.value);
    // Failed before: the field had no list of codes to suggest.
    await expect.poll(suggested).toEqual(['gambling', 'sports', 'travel/rail']);
    // Only the codes were asked for, never the offers themselves (the offers view's listing).
    expect(sent).toContain('offers.categories');
    expect(sent).not.toContain('offers.list');
    // Added, a code is listed and no longer suggested; its parent is.
    await userEvent.type(input, 'travel/rail{Enter}');
    await expect.poll(suggested).toEqual(['gambling', 'sports', 'travel']);
  });
});

describe('the category field', () => {
  it.each(['de', 'en'] as const)(
    'in %s counts towards its 100 characters once nearly full, and says when it takes no more',
    async (locale) => {
      await showProfile(locale);
      const input = byTestId('new-category') as HTMLInputElement;
      expect(input.maxLength).toBe(100);
      const count = () => byTestId('new-category-count')?.textContent?.trim();
      await userEvent.fill(input, 'a'.repeat(50));
      await expect.poll(count).toBe('');
      await userEvent.fill(input, 'a'.repeat(85));
      // Failed before: nothing said how much the field takes.
      await expect.poll(count).toBe(t(locale, 'extension.input.count', { count: 85, max: 100 }));
      await userEvent.type(input, 'b'.repeat(20));
      expect(input.value).toBe('a'.repeat(85) + 'b'.repeat(15));
      await expect
        .poll(() => host.target.querySelector('#new-category-count [role="status"]')?.textContent)
        .toBe(t(locale, 'extension.input.limitReached', { max: 100 }));
      expect(count()).toContain(t(locale, 'extension.input.count', { count: 100, max: 100 }));
      expect(input.getAttribute('aria-describedby')).toBe('new-category-count');
    },
  );
});
