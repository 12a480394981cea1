/**
 * The settings page's technical problems, in a real Chromium: listed in the customer's language
 * with how often each happened, copied as plain text for a bug report, and cleared through the
 * background; a list that cannot be read is said in a sentence.
 */
import { afterEach, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { t } from '../../../protocol/i18n';
import { ProtocolError } from '../../../protocol/errors';
import type { Problem } from '../../core/problem-log';
import { hostComponents } from '../component-host.fixture';
import ProblemsView from './ProblemsView.svelte';

const host = hostComponents();
const { byTestId } = host;

const problems: Problem[] = [
  {
    at: Date.UTC(2026, 11, 6, 10, 0, 0),
    where: 'relationships refresh',
    name: 'TypeError',
    message: 'Cannot read properties of undefined',
    count: 3,
  },
  {
    at: Date.UTC(2026, 11, 5, 9, 30, 0),
    where: 'alarm offers-sync',
    name: 'QuotaExceededError',
    message: 'The quota has been exceeded.',
    count: 1,
  },
];

/** A background that lists `kept` until cleared, and records what it was asked. */
function background(kept: Problem[] | Error) {
  const asked: string[] = [];
  let list = kept;
  const send = (async (request: { type: string }) => {
    asked.push(request.type);
    if (list instanceof Error) throw list;
    if (request.type === 'problems.clear') {
      list = [];
      return { type: 'ok' };
    }
    return { type: 'problems', problems: list };
  }) as never;
  return { send, asked };
}

const realClipboard = Object.getOwnPropertyDescriptor(navigator, 'clipboard');
afterEach(() => {
  if (realClipboard !== undefined) Object.defineProperty(navigator, 'clipboard', realClipboard);
});

it.each(['de', 'en'] as const)(
  'lists them in %s with how often, copies them as text and clears them',
  async (locale) => {
    const { send, asked } = background(problems);
    let copied: string | undefined;
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void (copied = text) },
    });
    host.mount(ProblemsView, { locale, send });
    await expect.poll(() => byTestId('problems-list')?.querySelectorAll('li').length).toBe(2);
    const first = byTestId('problems-list')!.querySelector('li')!.textContent!;
    expect(first).toContain('relationships refresh');
    expect(first).toContain('TypeError: Cannot read properties of undefined');
    expect(first).toContain(t(locale, 'extension.problems.times', { count: 3 }));
    expect(byTestId('problems-list')!.querySelectorAll('li')[1]!.textContent).not.toContain(
      t(locale, 'extension.problems.times', { count: 1 }),
    );

    await userEvent.click(byTestId('problems-copy')!);
    await expect
      .poll(() => byTestId('problems-status')?.textContent)
      .toBe(t(locale, 'extension.problems.copied'));
    expect(copied).toBe(
      '2026-12-06T10:00:00.000Z relationships refresh: TypeError: Cannot read properties of undefined (×3)\n' +
        '2026-12-05T09:30:00.000Z alarm offers-sync: QuotaExceededError: The quota has been exceeded.',
    );

    await userEvent.click(byTestId('problems-clear')!);
    await expect
      .poll(() => byTestId('problems-none')?.textContent)
      .toBe(t(locale, 'extension.problems.none'));
    expect(byTestId('problems-status')!.textContent).toBe(t(locale, 'extension.problems.cleared'));
    // The buttons that had the focus are gone: the sentence saying what happened takes it.
    expect(document.activeElement).toBe(byTestId('problems-status'));
    expect(asked).toEqual(['problems.list', 'problems.clear']);
  },
);

it('says when the browser refuses the copy, and when the list cannot be read', async () => {
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: {
      writeText: async () => {
        throw new DOMException('Document is not focused.', 'NotAllowedError');
      },
    },
  });
  host.mount(ProblemsView, { locale: 'en' as const, send: background(problems).send });
  await expect.poll(() => byTestId('problems-copy')).not.toBeNull();
  await userEvent.click(byTestId('problems-copy')!);
  await expect
    .poll(() => host.target.querySelector('[role="alert"]')?.textContent)
    .toBe(t('en', 'extension.problems.copyFailed'));
  await host.unmount();

  host.mount(ProblemsView, {
    locale: 'en' as const,
    send: background(new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'no')).send,
  });
  await expect
    .poll(() => host.target.querySelector('[role="alert"]')?.textContent)
    .toBe(t('en', 'errors.ERR_STORAGE_UNAVAILABLE'));
  expect(byTestId('problems-list')).toBeNull();
  expect(byTestId('problems-none')).toBeNull();
});
