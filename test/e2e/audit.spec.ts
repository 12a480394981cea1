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
 *
 * A dishonest log (checkpoints forged here with the e2e server's own log key): a receipt or a
 * pasted checkpoint with another root at a size seen, or of a larger size that the log's tiles
 * do not give, raises a fork alarm and is kept with the one it contradicts (the page used to say
 * "valid" and add it beside the first); a server checkpoint smaller than one seen is a shrink;
 * tiles the log does not deliver are "not checked", not "not consistent".
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { base64Encode, base64urlDecode } from '../../protocol/encoding';
import { t, type Locale } from '../../protocol/i18n';
import { keyPairFromSeed } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import {
  formatCheckpoint,
  inclusionProof,
  leafHash,
  memoryHashReader,
  noteSigner,
  signNote,
  treeHash,
  verifierKeyText,
} from '../../protocol/tlog';
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
  // Moderate, but each region must be told apart: the entries' scroll region had the section's name.
  const unique = await new AxeBuilder({ page }).withRules(['landmark-unique']).analyze();
  expect(unique.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

/**
 * Signs a checkpoint of `size` and `root` with the e2e server's own log key (beside its database,
 * scripts/e2e-server.mjs): what a dishonest log, or a proxy holding its key, could serve.
 */
async function forgedCheckpoint(origin: string, size: number, root: Uint8Array): Promise<string> {
  await ready();
  const dir = dirname(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim());
  const key = JSON.parse(readFileSync(join(dir, 'log-key.json'), 'utf8')) as { d: string };
  const signer = noteSigner(origin, keyPairFromSeed(base64urlDecode(key.d)).privateKey, sha256);
  return signNote(formatCheckpoint({ origin, size, rootHash: root, extensions: [] }), [signer]);
}

/**
 * A receipt for the real entry `index` (base64 `entry`) in a tree of `size` leaves that is not
 * the log's (the others made up), with its inclusion proof, signed with the log's key: valid on
 * its own, the view of a split log.
 */
async function forgedReceipt(origin: string, index: number, entry: string, size: number) {
  const leaves = Array.from({ length: size }, (_, i) =>
    i === index ? leafHash(sha256, Buffer.from(entry, 'base64')) : sha256(randomBytes(32)),
  );
  const reader = memoryHashReader(leaves, sha256);
  const root = await treeHash(sha256, size, reader);
  return {
    v: 1,
    index,
    entry,
    proof: (await inclusionProof(sha256, index, size, reader)).map(base64Encode),
    checkpoint: await forgedCheckpoint(origin, size, root),
  };
}

/** The log's current checkpoint: its note, size and origin. */
async function currentCheckpoint(page: Page) {
  const note = await (await page.request.get('/log/checkpoint')).text();
  const [origin, size] = note.split('\n');
  return { note, origin: origin!, size: Number(size) };
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
    const olderRoot = firstReceipt.checkpoint.split('\n')[2]!;
    const newerSize = (await page.getByTestId('checkpoint-size').textContent())!.trim();
    const newerRoot = (await page.getByTestId('checkpoint-root').textContent())!.trim();
    // Each option names its size and the start of its root (two of one size told apart).
    await expect(
      page.getByLabel(t('de', 'portal.audit.consistency.first')).locator('option:checked'),
    ).toHaveText(
      t('de', 'portal.audit.history.option', {
        size: olderSize.toLocaleString('de-DE'),
        root: olderRoot.slice(0, 8),
      }),
    );
    await expect(
      page.getByLabel(t('de', 'portal.audit.consistency.second')).locator('option:checked'),
    ).toHaveText(
      t('de', 'portal.audit.history.option', { size: newerSize, root: newerRoot.slice(0, 8) }),
    );
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
    const pasteField = page.getByLabel(t('de', 'portal.audit.history.paste'));
    await pasteField.fill(altered);
    await page.getByRole('button', { name: t('de', 'portal.audit.history.add') }).click();
    await expect(page.getByRole('alert')).toHaveText(t('de', 'errors.ERR_NOTE_SIGNATURE_INVALID'));
    await expect(history).toHaveCount(2);
    // Tied to the field it is about, which gets the focus (it was a loose alert below the form).
    await expect(pasteField).toHaveAttribute('aria-invalid', 'true');
    await expect(pasteField).toHaveAttribute('aria-describedby', 'pasted-checkpoint-error');
    await expect(page.locator('#pasted-checkpoint-error')).toHaveText(
      t('de', 'errors.ERR_NOTE_SIGNATURE_INVALID'),
    );
    await expect(pasteField).toBeFocused();
    await expect(pasteField).toHaveValue(altered);

    // A proxy failing in front of the log, or a tile it does not serve: nothing is decided, and
    // the page says so instead of "not consistent" (which reads as a rewritten log).
    await page.getByLabel(t('de', 'portal.audit.consistency.first')).selectOption({ index: 0 });
    await page.route('**/log/tile/**', (route) => route.fulfill({ status: 500, body: '' }));
    await check.click();
    await expect(page.getByTestId('consistency-result')).toHaveText(
      `${t('de', 'portal.audit.consistency.unchecked')} ${t('de', 'portal.audit.unreachable')}`,
    );
    await page.unroute('**/log/tile/**');
    await page.route('**/log/tile/**', (route) => route.fulfill({ status: 404, body: '' }));
    await check.click();
    const result = page.getByTestId('consistency-result');
    await expect(result).toContainText(t('de', 'portal.audit.consistency.unchecked'));
    await expect(result).not.toContainText(t('de', 'portal.audit.consistency.failed'));
    await expect(result).toContainText(/\/log\/tile\/0\/000\.p\/\d+, Antwort 404/);
    await page.unroute('**/log/tile/**');
    await check.click();
    await expect(result).toContainText('Konsistent: ');
    await context.close();
  });

  test('raises a fork alarm for a forked receipt or checkpoint and keeps both as evidence', async ({
    browser,
    playwright,
    baseURL,
  }) => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    await open(page, 'de');
    const { origin, size } = await currentCheckpoint(page);
    const history = page.getByTestId('history').locator('li');
    await expect(history).toHaveCount(1);
    const conflicts = page.getByTestId('conflicts').locator('li');

    // A receipt for a real entry, in a tree of the size seen with another root, signed with the
    // log key: the inclusion is valid, the checkpoint contradicts the one seen.
    const receipt = await forgedReceipt(origin, firstReceipt.index, firstReceipt.entry, size);
    await page.getByLabel(t('de', 'portal.audit.receipt.paste')).fill(JSON.stringify(receipt));
    await page.getByRole('button', { name: t('de', 'portal.audit.receipt.check') }).click();
    const receiptResult = page.getByTestId('receipt-result');
    await expect(receiptResult).toContainText('Widerspruch: Eintrag');
    await expect(receiptResult).toContainText(t('de', 'errors.ERR_CHECKPOINT_FORK'));
    await expect(receiptResult).not.toContainText('Gültig');
    await expect(page.getByTestId('fork-alarm')).toHaveText(
      t('de', 'portal.audit.conflicts.alarm'),
    );
    await expect(conflicts).toHaveCount(1);
    await expect(history).toHaveCount(1);

    // A checkpoint of that size with yet another root, pasted: not added, kept as evidence.
    const pasted = await forgedCheckpoint(origin, size, sha256(randomBytes(8)));
    await page.getByLabel(t('de', 'portal.audit.history.paste')).fill(pasted);
    await page.getByRole('button', { name: t('de', 'portal.audit.history.add') }).click();
    await expect(page.getByTestId('paste-result')).toContainText('Widerspruch:');
    await expect(conflicts).toHaveCount(2);
    await expect(history).toHaveCount(1);
    await expect(conflicts.first().locator('pre')).toHaveText([
      (await currentCheckpoint(page)).note,
      receipt.checkpoint,
    ]);

    // The lists tell the three checkpoints of one size apart, and mark them.
    const options = page.getByLabel(t('de', 'portal.audit.consistency.first')).locator('option');
    await expect(options).toHaveCount(3);
    const texts = await options.allTextContents();
    expect(new Set(texts).size).toBe(3);
    for (const text of texts)
      expect(text).toMatch(/^Größe \d+ · Wurzel .{8}… \(widersprüchlich\)$/);

    // After a reload: still the alarm, still the evidence (both were lost before).
    await page.reload();
    await expect(page.getByTestId('checkpoint-verified')).toBeVisible();
    await expect(page.getByTestId('fork-alarm')).toBeVisible();
    await expect(conflicts).toHaveCount(2);
    await expect(history).toHaveCount(1);
    await expectAccessible(page);

    // A larger checkpoint whose root the log's tiles do not give (the log has grown past it).
    const request = await playwright.request.newContext({ baseURL });
    await receiptOf(request, await logAnother(request, baseURL!, story.company));
    await request.dispose();
    const larger = await forgedCheckpoint(origin, size + 1, sha256(randomBytes(8)));
    await page.getByLabel(t('de', 'portal.audit.history.paste')).fill(larger);
    await page.getByRole('button', { name: t('de', 'portal.audit.history.add') }).click();
    await expect(page.getByTestId('paste-result')).toContainText(
      t('de', 'errors.ERR_TLOG_TILE_INVALID'),
    );
    await expect(conflicts).toHaveCount(3);
    await expect(history).toHaveCount(1);

    // One far beyond the log: its tiles are not served, so it could not be checked (and is not
    // added), which the page says.
    const beyond = await forgedCheckpoint(origin, size + 1000, sha256(randomBytes(8)));
    await page.getByLabel(t('de', 'portal.audit.history.paste')).fill(beyond);
    await page.getByRole('button', { name: t('de', 'portal.audit.history.add') }).click();
    await expect(page.getByTestId('paste-result')).toContainText('ließ sich noch nicht prüfen');
    await expect(conflicts).toHaveCount(3);
    await expect(history).toHaveCount(1);
    await context.close();
  });

  test('warns that the log shrank when the server shows less than a checkpoint seen', async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await open(page, 'en');
    const { note, origin, size } = await currentCheckpoint(page);
    // This browser saw a checkpoint of one more entry, signed by the log (a view since rolled
    // back), as stored by the page itself.
    const stored = JSON.parse(
      (await page.evaluate(() => localStorage.getItem('consent-clearinghouse-audit')))!,
    ) as { seen: unknown[] };
    const root = sha256(randomBytes(8));
    stored.seen.push({
      size: size + 1,
      root: base64Encode(root),
      note: await forgedCheckpoint(origin, size + 1, root),
      seenAt: 1,
    });
    await page.evaluate(
      (value) => localStorage.setItem('consent-clearinghouse-audit', value),
      JSON.stringify(stored),
    );
    await page.reload();
    // Its signature is the log's, but the page no longer stops there.
    await expect(page.getByTestId('checkpoint-verified')).toBeVisible();
    await expect(page.getByTestId('checkpoint-consistency')).toHaveText(
      t('en', 'portal.audit.current.shrunk', {
        seen: (size + 1).toLocaleString('en-GB'),
        size: size.toLocaleString('en-GB'),
      }),
    );
    await expect(page.getByTestId('fork-alarm')).toBeVisible();
    await expect(page.getByTestId('conflicts').locator('pre')).toHaveText([
      new RegExp(`\\s${size + 1}\\s`),
      note,
    ]);
    await context.close();
  });

  test('reflows at 320 px: nothing scrolls sideways', async ({ browser }) => {
    const context = await browser.newContext({
      locale: 'de-DE',
      viewport: { width: 320, height: 800 },
    });
    const page = await context.newPage();
    await open(page, 'de');
    await page.goto('/audit?from=abc');
    await expect(page.getByTestId('checkpoint-verified')).toBeVisible();
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      view: document.documentElement.clientWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(widths.view);
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
    // Tied to its field, which has the focus (autofocus: no JavaScript here).
    const from = page.locator('#from');
    await expect(from).toHaveAttribute('aria-invalid', 'true');
    await expect(from).toHaveAttribute('aria-describedby', 'from-error');
    await expect(page.locator('#from-error')).toHaveText(t('en', 'portal.audit.entries.invalid'));
    await expect(from).toBeFocused();
    await context.close();

    // With JavaScript, after the form is sent (a client-side navigation), the same.
    const scripted = await browser.newContext({ locale: 'en-GB' });
    const again = await scripted.newPage();
    await open(again, 'en');
    // Past the field's own limit, which the browser would otherwise refuse to send.
    await again.locator('#from').evaluate((input) => input.removeAttribute('max'));
    await again.locator('#from').fill('999999999');
    await again.getByRole('button', { name: t('en', 'portal.audit.entries.show') }).click();
    await expect(again.locator('#from-error')).toHaveText(t('en', 'portal.audit.entries.invalid'));
    await expect(again.locator('#from')).toHaveAttribute('aria-describedby', 'from-error');
    await expect(again.locator('#from')).toBeFocused();
    await scripted.close();
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
    // The same two kept; the log may have grown since, and its newer checkpoint, refused under
    // the pinned key as well, is then kept beside them.
    const germanEvidence = again.getByTestId('evidence').locator('li');
    await expect.poll(() => germanEvidence.count()).toBeGreaterThanOrEqual(2);
    const keptAgain = (await again.evaluate(
      (key) => JSON.parse(localStorage.getItem(key) ?? 'null') as { evidence: { note: string }[] },
      storageKey,
    ))!;
    expect(keptAgain.evidence.slice(0, 2).map((e) => e.note)).toEqual(
      kept.evidence.map((e) => e.note),
    );
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
