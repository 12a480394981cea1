/**
 * The auditor's log explorer end to end (issue 10, "Auditor"), in Chromium against the built
 * portal: a real receipt (a grant's, from GET /api/v1/log/receipts/…) is verified in the browser
 * step by step, pasted and uploaded as a file; a tampered one fails and says where; the
 * checkpoints seen are kept and a consistency check between the oldest and the newest (chosen
 * for the auditor) passes, and with one checkpoint the page says a second is needed; a forged
 * checkpoint is refused; the entries are listed decoded; the page is axe-clean in both
 * languages. The log key is pinned in the browser on first use: a server that later sends
 * another key gets a loud warning, not "verified", and the checkpoints stored before are kept as
 * evidence (the page used to take the server's key on every visit and drop them).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { t, type Locale } from '../../protocol/i18n';
import { verifierKeyText } from '../../protocol/tlog';
import {
  logAnother,
  receiptOf,
  seedStory,
  startProofServer,
  type SeededStory,
} from './oversight-seed';

let proofServer: Server;
let story: SeededStory;
let firstReceipt: { index: number; entry: string; checkpoint: string } & Record<string, unknown>;
const legalName = `Auditversand ${Math.random().toString(36).slice(2, 8)} GmbH`;

test.beforeAll(async ({ playwright, baseURL }) => {
  const proof = await startProofServer();
  proofServer = proof.server;
  const request = await playwright.request.newContext({ baseURL });
  story = await seedStory(request, baseURL!, proof, legalName);
  firstReceipt = (await receiptOf(request, story.grantSha256)) as typeof firstReceipt;
  // A later entry, so the log has grown past the first receipt's checkpoint.
  await receiptOf(request, await logAnother(request, baseURL!, story.company));
  await request.dispose();
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function open(page: Page, locale: Locale): Promise<void> {
  await page.goto('/audit');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale, 'portal.audit.title'));
  await expect(page.getByTestId('checkpoint-verified')).toHaveText(
    t(locale, 'portal.audit.checkpoint.verified'),
  );
}

test.describe('the auditor', () => {
  test('verifies a real receipt step by step and sees a tampered one fail', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await open(page, 'en');
    await expectAccessible(page);

    // The entries list names the company's grant, decoded.
    await expect(page.getByTestId('entries')).toContainText(
      t('en', 'portal.audit.meaning', {
        kind: t('en', 'portal.audit.kind.grant'),
        company: legalName,
      }),
    );

    await page.getByLabel(t('en', 'portal.audit.receipt.paste')).fill(JSON.stringify(firstReceipt));
    await page.getByRole('button', { name: t('en', 'portal.audit.receipt.check') }).click();
    await expect(page.getByTestId('receipt-result')).toHaveText(
      t('en', 'portal.audit.receipt.ok', { index: firstReceipt.index.toLocaleString('en-GB') }),
    );
    const steps = page.getByTestId('receipt-steps').locator('li');
    await expect(steps.last()).toContainText(t('en', 'portal.audit.step.rootOk'));
    await expect(page.getByTestId('receipt-steps')).toContainText(story.grantSha256);

    // The same entry with one field changed: well-formed, but not the entry the log holds.
    const entry = JSON.parse(Buffer.from(firstReceipt.entry, 'base64').toString('utf8')) as {
      time: number;
    };
    const forged = Buffer.from(
      Buffer.from(firstReceipt.entry, 'base64')
        .toString('utf8')
        .replace(`"time":${entry.time}`, `"time":${entry.time + 1}`),
    ).toString('base64');
    await page
      .getByLabel(t('en', 'portal.audit.receipt.paste'))
      .fill(JSON.stringify({ ...firstReceipt, entry: forged }));
    await page.getByRole('button', { name: t('en', 'portal.audit.receipt.check') }).click();
    await expect(page.getByTestId('receipt-result')).toHaveText(
      `${t('en', 'portal.audit.receipt.failed')} ${t('en', 'errors.ERR_TLOG_INCLUSION_INVALID')}`,
    );
    await expect(steps.last()).toContainText(t('en', 'portal.audit.step.rootBad'));

    // A checkpoint re-signed by nobody: the signature check refuses it.
    const forgedCheckpoint = firstReceipt.checkpoint.replace(
      /\n(\d+)\n/,
      (_, n: string) => `\n${Number(n) + 1}\n`,
    );
    await page
      .getByLabel(t('en', 'portal.audit.receipt.paste'))
      .fill(JSON.stringify({ ...firstReceipt, checkpoint: forgedCheckpoint }));
    await page.getByRole('button', { name: t('en', 'portal.audit.receipt.check') }).click();
    await expect(page.getByTestId('receipt-result')).toHaveText(
      `${t('en', 'portal.audit.receipt.failed')} ${t('en', 'errors.ERR_NOTE_SIGNATURE_INVALID')}`,
    );

    // Not JSON at all: a sentence, not a stack trace.
    await page.getByLabel(t('en', 'portal.audit.receipt.paste')).fill('{not json');
    await page.getByRole('button', { name: t('en', 'portal.audit.receipt.check') }).click();
    await expect(page.getByTestId('receipt-result')).toHaveText(
      t('en', 'portal.audit.receipt.notJson'),
    );
    await context.close();
  });

  test('keeps the checkpoints seen and checks two of them for consistency', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    await open(page, 'de');
    const check = page.getByRole('button', { name: t('de', 'portal.audit.consistency.check') });

    // Only the current checkpoint seen: the page says a second one is needed (the button used to
    // be enabled and do nothing).
    await expect(page.getByTestId('consistency-unavailable')).toHaveText(
      t('de', 'portal.audit.consistency.unavailable'),
    );
    await expect(check).toBeDisabled();

    // The older receipt, uploaded as a file; its checkpoint joins the history.
    await page.getByLabel(t('de', 'portal.audit.receipt.file')).setInputFiles({
      name: 'receipt.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(firstReceipt)),
    });
    await expect(page.getByTestId('receipt-result')).toHaveText(
      t('de', 'portal.audit.receipt.ok', { index: firstReceipt.index.toLocaleString('de-DE') }),
    );
    const history = page.getByTestId('history').locator('li');
    await expect(history).toHaveCount(2);

    // The history survives a reload (kept in this browser).
    await page.reload();
    await expect(page.getByTestId('checkpoint-verified')).toBeVisible();
    await expect(history).toHaveCount(2);

    // The history fills in after the page has loaded: the pair still starts at the oldest and
    // the newest checkpoint, without the auditor choosing (the lists used to start empty).
    await expect(page.getByTestId('consistency-unavailable')).toHaveCount(0);
    const olderSize = Number(/\n(\d+)\n/.exec(firstReceipt.checkpoint)![1]);
    const newerSize = (await page.getByTestId('checkpoint-size').textContent())!.trim();
    await expect(
      page.getByLabel(t('de', 'portal.audit.consistency.first')).locator('option:checked'),
    ).toHaveText(t('de', 'portal.audit.history.item', { size: olderSize.toLocaleString('de-DE') }));
    await expect(
      page.getByLabel(t('de', 'portal.audit.consistency.second')).locator('option:checked'),
    ).toHaveText(t('de', 'portal.audit.history.item', { size: newerSize }));
    await check.click();
    await expect(page.getByTestId('consistency-result')).toContainText(
      `Konsistent: Der Baum der Größe ${olderSize.toLocaleString('de-DE')} `,
    );

    // A choice of the auditor's own is kept: the newer one against itself, also consistent.
    await page.getByLabel(t('de', 'portal.audit.consistency.first')).selectOption({ index: 1 });
    await check.click();
    await expect(page.getByTestId('consistency-result')).toContainText(
      `Konsistent: Der Baum der Größe ${newerSize} `,
    );
    await expectAccessible(page);

    // A pasted checkpoint that was altered is refused and not added.
    const altered = firstReceipt.checkpoint.replace(
      /\n(\d+)\n/,
      (_, n: string) => `\n${Number(n) + 7}\n`,
    );
    await page.getByLabel(t('de', 'portal.audit.history.paste')).fill(altered);
    await page.getByRole('button', { name: t('de', 'portal.audit.history.add') }).click();
    await expect(page.getByRole('alert')).toHaveText(t('de', 'errors.ERR_NOTE_SIGNATURE_INVALID'));
    await expect(history).toHaveCount(2);
    await context.close();
  });

  test('lists entries without JavaScript and tells how to run the verifier', async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/audit?from=0');
    // Newest first: the last row of the first page is entry 0.
    await expect(
      page.getByTestId('entries').locator('tbody tr').last().locator('td').first(),
    ).toHaveText('0');
    await expect(page.getByRole('heading', { name: t('en', 'portal.audit.cli') })).toBeVisible();
    await expect(page.locator('pre').last()).toContainText('npm run verify -- --url');
    await page.goto('/audit?from=abc');
    await expect(page.getByRole('alert')).toHaveText(t('en', 'portal.audit.entries.invalid'));
    await context.close();
  });

  test('pins the log key on first use, warns loudly about another one and keeps the history as evidence', async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await open(page, 'en');
    const storageKey = 'consent-clearinghouse-audit';
    const stored = () =>
      page.evaluate(
        (key) =>
          JSON.parse(localStorage.getItem(key) ?? 'null') as {
            pin: { logOrigin: string; logVerifierKey: string };
            evidence: { note: string; error: string }[];
          } | null,
        storageKey,
      );

    // First use: the key the server describes is pinned in this browser; no warning.
    const served = (await page.getByTestId('log-key').textContent())!.trim();
    await expect.poll(async () => (await stored())?.pin.logVerifierKey).toBe(served);
    await expect(page.getByTestId('key-changed')).toHaveCount(0);

    // This browser pinned another key of the same log name before, and saw a checkpoint: the
    // server now sends its own key and a checkpoint it signed (as after a switch of keys).
    const logOrigin = firstReceipt.checkpoint.split('\n')[0]!;
    const pinned = verifierKeyText(logOrigin, randomBytes(32), (data) =>
      createHash('sha256').update(data).digest(),
    );
    await page.evaluate(
      ([key, pin, note]) =>
        localStorage.setItem(
          key!,
          JSON.stringify({
            v: 2,
            pin: JSON.parse(pin!) as unknown,
            seen: [{ size: 1, root: 'x', note, seenAt: 1 }],
            evidence: [],
          }),
        ),
      [storageKey, JSON.stringify({ logOrigin, logVerifierKey: pinned }), firstReceipt.checkpoint],
    );
    await page.reload();
    await expect(page.getByTestId('key-changed')).toHaveText(t('en', 'portal.audit.keyChanged'));
    await expect(page.getByTestId('pinned-key')).toHaveText(pinned);
    // Not "verified": the server's checkpoint is checked against the pinned key, and fails.
    await expect(page.getByTestId('checkpoint-verified')).toHaveCount(0);
    await expect(
      page.getByText(t('en', 'errors.ERR_NOTE_NO_TRUSTED_SIGNATURE'), { exact: true }),
    ).toBeVisible();
    // Nothing dropped or overwritten: the stored checkpoint and the server's are evidence.
    const evidence = page.getByTestId('evidence').locator('li');
    await expect(evidence).toHaveCount(2);
    await expect(evidence.first()).toContainText(
      t('en', 'portal.audit.evidence.item', {
        reason: t('en', 'errors.ERR_NOTE_NO_TRUSTED_SIGNATURE'),
      }),
    );
    const kept = (await stored())!;
    expect(kept.pin.logVerifierKey).toBe(pinned);
    expect(kept.evidence.map((e) => e.note)[0]).toBe(firstReceipt.checkpoint);
    expect(kept.evidence).toHaveLength(2);
    await expectAccessible(page);

    // The same browser in German, another visit: still pinned, the same evidence, warned.
    const german = await browser.newContext({
      locale: 'de-DE',
      storageState: await context.storageState(),
    });
    const again = await german.newPage();
    await again.goto('/audit');
    await expect(again.getByTestId('key-changed')).toHaveText(t('de', 'portal.audit.keyChanged'));
    await expect(again.getByTestId('evidence').locator('li')).toHaveCount(2);
    await german.close();

    // The operator announced the new key: the auditor pins it, after a second question (a
    // cancel keeps everything and gives the focus back), by keyboard.
    await page.getByTestId('repin').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByText(t('en', 'portal.audit.repin.confirm'))).toBeVisible();
    await page.getByRole('button', { name: t('en', 'portal.audit.repin.no') }).click();
    await expect(page.getByTestId('repin')).toBeFocused();
    expect((await stored())!.pin.logVerifierKey).toBe(pinned);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('repin-confirm')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('checkpoint-verified')).toBeVisible();
    await expect(page.getByTestId('key-changed')).toHaveCount(0);
    expect((await stored())!.pin.logVerifierKey).toBe(served);
    // The old key and its checkpoint are remembered, the evidence is kept.
    const previous = page.getByTestId('previous-keys').locator('li');
    await expect(previous).toHaveCount(1);
    await expect(previous).toContainText(pinned);
    await expect(page.getByTestId('evidence').locator('li')).toHaveCount(2);
    await expectAccessible(page);
    await context.close();
  });
});
