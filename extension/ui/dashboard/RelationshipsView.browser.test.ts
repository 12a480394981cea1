/**
 * The relationships view's confirmations in a real Chromium: an erasure or revocation on its way
 * cannot be taken back with Cancel or Escape, its dialog says it is sending and keeps the focus,
 * and the focus goes back to the button that opened it (or the relationship's heading) after.
 */
import { mount, tick, unmount } from 'svelte';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import RelationshipsView from './RelationshipsView.svelte';

const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const grantJws = `${b64url({ alg: 'EdDSA' })}.${b64url({
  iat: 1,
  until: 2_000_000_000,
  scopes: [{ purpose: 'product_launch' }],
})}.c2ln`;
const h = (c: string) => c.repeat(43);

function relationship(status: 'active' | 'revoked') {
  return {
    pseudonym: `ps_${h('p')}`,
    company: {
      id: `co_${h('c')}`,
      legalName: 'Laufhaus GmbH',
      domain: 'https://laufhaus.example',
      status: 'active',
    },
    requests: [],
    grants: [{ sha256: h('g'), jws: grantJws, status, revokedPurposes: [] }],
    refusals: [],
    revocations: [],
    dataRequests: [],
    disclosures: [],
    accessEvents: [],
    complaints: [],
    receipts: [],
    openedDisclosures: [],
    openedAnswers: [],
    openedDecisions: [],
    pendingReceipts: [],
  };
}

let target: HTMLElement;
let app: ReturnType<typeof mount> | undefined;
/** Requests sent; `release` lets the held answer to the last action go. */
let sent: { type: string }[];
let release: () => void;
let grantStatus: 'active' | 'revoked';
/** The next action fails (the clearinghouse out of reach). */
let failNext: boolean;

const send = (async (request: { type: string }) => {
  sent.push(request);
  const listing = () => ({
    type: 'relationships',
    items: [relationship(grantStatus)],
    damaged: [],
    now: 0,
  });
  if (request.type === 'rewards.list') return { type: 'rewards', items: [] };
  if (request.type === 'relationships.list') return listing();
  await new Promise<void>((r) => (release = r));
  if (failNext) throw new Error('the clearinghouse did not answer');
  if (request.type === 'relationships.revoke') grantStatus = 'revoked';
  return listing();
}) as never;

beforeEach(async () => {
  sent = [];
  grantStatus = 'active';
  failNext = false;
  target = document.createElement('div');
  document.body.append(target);
  app = mount(RelationshipsView, { target, props: { locale: 'en', send, openConsent: () => {} } });
  await expect.poll(() => target.querySelector('[data-testid="relationship"]')).not.toBeNull();
});

afterEach(async () => {
  if (app) await unmount(app);
  target.remove();
});

const byTestId = (id: string) => target.querySelector<HTMLElement>(`[data-testid="${id}"]`);

it('keeps an erasure on its way open: Cancel and Escape wait, the focus stays in it, then returns to its button', async () => {
  await userEvent.click(byTestId('request-erasure')!);
  const dialog = byTestId('erasure-confirmation')!;
  await userEvent.click(byTestId('request-erasure-confirm')!);
  await tick();
  expect(sent.filter((r) => r.type === 'relationships.data-request')).toHaveLength(1);
  expect(document.activeElement).toBe(dialog);
  await userEvent.keyboard('{Escape}');
  await tick();
  expect(byTestId('erasure-confirmation')).toBe(dialog);
  expect((byTestId('erasure-cancel') as HTMLButtonElement).disabled).toBe(true);
  expect(byTestId('request-erasure-confirm')!.textContent).toContain('Sending');
  expect(dialog.getAttribute('aria-busy')).toBe('true');
  release();
  await expect.poll(() => byTestId('erasure-confirmation')).toBeNull();
  await expect.poll(() => document.activeElement).toBe(byTestId('request-erasure'));
});

it('Escape takes an erasure back before it is sent', async () => {
  await userEvent.click(byTestId('request-erasure')!);
  await userEvent.keyboard('{Escape}');
  await expect.poll(() => byTestId('erasure-confirmation')).toBeNull();
  expect(document.activeElement).toBe(byTestId('request-erasure'));
  expect(sent.filter((r) => r.type === 'relationships.data-request')).toEqual([]);
});

it('after "Yes, revoke" the focus goes to the relationship’s heading when the button that opened it is gone', async () => {
  await userEvent.click(byTestId('revoke-all')!);
  const dialog = byTestId('revoke-confirmation')!;
  await userEvent.click(byTestId('revoke-confirm')!);
  await tick();
  expect(document.activeElement).toBe(dialog);
  await userEvent.keyboard('{Escape}');
  await tick();
  expect(byTestId('revoke-confirmation')).toBe(dialog);
  release();
  await expect.poll(() => byTestId('revoke-confirmation')).toBeNull();
  // No grant is active any more: "Revoke all" is gone, so the focus goes to the heading.
  expect(byTestId('revoke-all')).toBeNull();
  await expect
    .poll(() => document.activeElement)
    .toBe(target.querySelector('[data-testid="relationship"] h3'));
});

it('after a revocation that failed the focus goes back to the button that opened it', async () => {
  failNext = true;
  await userEvent.click(byTestId('revoke-all')!);
  await userEvent.click(byTestId('revoke-confirm')!);
  release();
  await expect.poll(() => byTestId('revoke-confirmation')).toBeNull();
  expect(target.querySelector('[role="alert"]')).not.toBeNull();
  await expect.poll(() => document.activeElement).toBe(byTestId('revoke-all'));
});
