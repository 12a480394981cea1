/**
 * The complaint form both the offers and the relationships view show, in a real Chromium: one
 * reason from a list (an offer) or at least one ticked (a disclosure), the comment that "other"
 * requires, each field's sentence beside it with the focus on it, and what it hands over. The
 * focus: on the first field as it opens, back to its opener on Cancel or Escape (or where the view
 * says, should the opener be gone); on its way it waits, and its buttons keep the focus.
 */
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { t, type Locale } from '../../../protocol/i18n';
import {
  disclosureComplaintReasons,
  manualComplaintReasons,
  type ComplaintReason,
} from '../../core/complaints';
import { hostComponents } from '../component-host.fixture';
import ComplaintForm from './ComplaintForm.svelte';

const host = hostComponents();
const { byTestId } = host;

/** What the form handed over, and how often it asked to be closed, in the current test. */
let handedOver: { reasons: string[]; comment: string }[];
let cancelled: number;

/**
 * Mounts the form after a button that opens it (focused, as a click leaves it): choosing one
 * reason of an offer's (`one`) or ticking a disclosure's (`some`), with `id` `test-complain`.
 */
function open(
  locale: Locale,
  choose: 'one' | 'some',
  props: Partial<{ sending: boolean; error: string; fallback: () => void }> = {},
) {
  handedOver = [];
  cancelled = 0;
  const opener = document.createElement('button');
  opener.type = 'button';
  opener.textContent = 'Complain';
  host.target.append(opener);
  opener.focus();
  const reasons: readonly ComplaintReason[] =
    choose === 'one' ? manualComplaintReasons : disclosureComplaintReasons;
  host.mount(ComplaintForm as never, {
    locale,
    id: 'test-complain',
    level: choose === 'one' ? 4 : 5,
    title: 'Complaint about Laufhaus GmbH',
    intro: 'Say what was wrong.',
    reasons,
    reasonLabel: (r: string) => `Reason ${r}`,
    question: 'What was wrong?',
    choose,
    sending: false,
    error: '',
    opener,
    onsubmit: (complaint: { reasons: string[]; comment: string }) => handedOver.push(complaint),
    oncancel: () => cancelled++,
    ...props,
  });
  return opener;
}

const form = () => byTestId('test-complain-form');
const comment = () => byTestId('test-complain-comment') as HTMLTextAreaElement;
const send = () => byTestId('test-complain-send')!;

describe('with one reason from a list (an offer)', () => {
  it.each(['de', 'en'] as const)(
    'in %s opens with the focus on the list, its first reason picked, and hands over the reason chosen and the comment trimmed',
    async (locale) => {
      open(locale, 'one');
      const reason = byTestId('test-complain-reason') as HTMLSelectElement;
      await expect.poll(() => document.activeElement).toBe(reason);
      expect(reason.value).toBe('misleading');
      expect(reason.labels[0]!.textContent!.trim()).toBe('What was wrong?');
      expect([...reason.options].map((o) => o.textContent!.trim())).toEqual(
        manualComplaintReasons.map((r) => `Reason ${r}`),
      );
      // Named by its heading, one level under what it is about.
      const heading = form()!.querySelector('h4')!;
      expect(form()!.getAttribute('aria-labelledby')).toBe(heading.id);
      expect(heading.textContent!.trim()).toBe('Complaint about Laufhaus GmbH');
      expect(comment().labels[0]!.textContent!.trim()).toBe(
        t(locale, 'extension.offers.complaint.comment'),
      );
      expect(byTestId('test-complain-form')!.textContent).toContain(
        t(locale, 'extension.offers.complain.limit', { max: locale === 'de' ? '2.000' : '2,000' }),
      );
      await userEvent.selectOptions(reason, 'undisclosed_data');
      await userEvent.fill(comment(), '  Woher kennt ihr meine Schuhgröße?  ');
      await userEvent.click(send());
      expect(handedOver).toEqual([
        { reasons: ['undisclosed_data'], comment: 'Woher kennt ihr meine Schuhgröße?' },
      ]);
      expect(send().textContent!.trim()).toBe(t(locale, 'extension.offers.complaint.submit'));
    },
  );

  it('hands over an empty comment as none, and reaches the comment, Submit and Cancel by Tab', async () => {
    open('en', 'one');
    await expect.poll(() => document.activeElement).toBe(byTestId('test-complain-reason'));
    await userEvent.tab();
    expect(document.activeElement).toBe(comment());
    await userEvent.tab();
    expect(document.activeElement).toBe(send());
    await userEvent.tab();
    expect(document.activeElement).toBe(byTestId('test-complain-cancel'));
    await userEvent.click(send());
    expect(handedOver).toEqual([{ reasons: ['misleading'], comment: '' }]);
  });

  it('refuses a comment the complaint cannot carry beside its field, "other" or not', async () => {
    open('en', 'one');
    await userEvent.fill(comment(), 'Preis\u202e falsch');
    await userEvent.click(send());
    const said = byTestId('test-complain-comment-error')!;
    expect(said.getAttribute('role')).toBe('alert');
    expect(said.textContent!.trim()).toBe(
      t('en', 'extension.input.controlCharacters', {
        field: t('en', 'extension.offers.complaint.comment'),
      }),
    );
    await expect.poll(() => document.activeElement).toBe(comment());
    expect(handedOver).toEqual([]);
  });
});

describe('with reasons to tick (a disclosure)', () => {
  it.each(['de', 'en'] as const)(
    'in %s asks for a reason beside the boxes, with the focus on the first, and hands nothing over',
    async (locale) => {
      open(locale, 'some');
      const first = byTestId('test-complain-reason-not_covered')!;
      await expect.poll(() => document.activeElement).toBe(first);
      expect(form()!.querySelector('legend')!.textContent!.trim()).toBe('What was wrong?');
      expect(form()!.querySelector('h5')).not.toBeNull();
      await userEvent.click(send());
      const said = byTestId('test-complain-reasons-error')!;
      expect(said.textContent!.trim()).toBe(
        t(locale, 'extension.relationships.complain.reasonsMissing'),
      );
      expect(form()!.querySelector('fieldset')!.getAttribute('aria-describedby')).toBe(said.id);
      await expect.poll(() => document.activeElement).toBe(first);
      expect(handedOver).toEqual([]);
    },
  );

  it.each(['de', 'en'] as const)(
    'in %s asks for a comment with "other", naming the field as required, then hands the reasons over in the form’s order',
    async (locale) => {
      open(locale, 'some');
      await userEvent.click(byTestId('test-complain-reason-other')!);
      await userEvent.click(byTestId('test-complain-reason-not_covered')!);
      const required = t(locale, 'extension.offers.complain.commentRequired');
      expect(comment().labels[0]!.textContent!.trim()).toBe(required);
      expect(comment().required).toBe(true);
      await userEvent.fill(comment(), '   ');
      await userEvent.click(send());
      const said = byTestId('test-complain-comment-error')!;
      expect(said.textContent!.trim()).toBe(
        t(locale, 'extension.input.missing', { field: required }),
      );
      expect(comment().getAttribute('aria-invalid')).toBe('true');
      expect(comment().getAttribute('aria-describedby')).toBe(
        'test-complain-limit test-complain-comment-error',
      );
      await expect.poll(() => document.activeElement).toBe(comment());
      expect(handedOver).toEqual([]);
      await userEvent.fill(comment(), 'Die Adresse habe ich nie gegeben.');
      await userEvent.click(send());
      expect(handedOver).toEqual([
        { reasons: ['not_covered', 'other'], comment: 'Die Adresse habe ich nie gegeben.' },
      ]);
      // What it said goes once the fields hold what a complaint may carry.
      expect(byTestId('test-complain-comment-error')).toBeNull();
      expect(comment().getAttribute('aria-describedby')).toBe('test-complain-limit');
    },
  );
});

describe('closing and waiting', () => {
  it.each(['one', 'some'] as const)(
    'with %s closes with Escape from a field and with Cancel, hands nothing over, and gives the focus back to its opener',
    async (choose) => {
      const opener = open('en', choose);
      await userEvent.type(comment(), 'Doch nicht.');
      await userEvent.keyboard('{Escape}');
      expect(cancelled).toBe(1);
      await expect.poll(() => document.activeElement).toBe(opener);
      byTestId('test-complain-cancel')!.focus();
      await userEvent.keyboard('{Enter}');
      expect(cancelled).toBe(2);
      await expect.poll(() => document.activeElement).toBe(opener);
      expect(handedOver).toEqual([]);
    },
  );

  it('puts the focus where the view says when its opener is gone by then', async () => {
    const elsewhere = document.createElement('h3');
    elsewhere.tabIndex = -1;
    const opener = open('en', 'some', { fallback: () => elsewhere.focus() });
    host.target.prepend(elsewhere);
    opener.remove();
    await userEvent.click(byTestId('test-complain-cancel')!);
    expect(cancelled).toBe(1);
    await expect.poll(() => document.activeElement).toBe(elsewhere);
  });

  it('on its way waits: Submit, Cancel and Escape do nothing, it says it is sending, and its buttons keep the focus', async () => {
    open('de', 'some', { sending: true });
    expect(form()!.getAttribute('aria-busy')).toBe('true');
    expect(send().textContent!.trim()).toBe(t('de', 'extension.offers.complain.sending'));
    expect(send().getAttribute('aria-disabled')).toBe('true');
    expect(byTestId('test-complain-cancel')!.getAttribute('aria-disabled')).toBe('true');
    await userEvent.click(byTestId('test-complain-reason-misleading')!);
    // By keyboard: Playwright's click refuses an aria-disabled button, as a person would not.
    send().focus();
    await userEvent.keyboard('{Enter}');
    expect(document.activeElement).toBe(send());
    await userEvent.keyboard('{Escape}');
    const cancel = byTestId('test-complain-cancel')!;
    cancel.focus();
    await userEvent.keyboard('{Enter}');
    expect(document.activeElement).toBe(cancel);
    expect(form()).not.toBeNull();
    expect(handedOver).toEqual([]);
    expect(cancelled).toBe(0);
  });

  it('says why the last attempt failed as an alert in the form', () => {
    open('en', 'one', { error: t('en', 'errors.ERR_EVIDENCE_INVALID') });
    const said = byTestId('test-complain-error')!;
    expect(said.getAttribute('role')).toBe('alert');
    expect(said.textContent!.trim()).toBe(t('en', 'errors.ERR_EVIDENCE_INVALID'));
    expect(form()!.contains(said)).toBe(true);
  });
});
