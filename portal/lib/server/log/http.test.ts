import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Decode } from '../../../../protocol/encoding';
import {
  decodeEntryBundle,
  leafHash,
  openCheckpoint,
  parseReceipt,
  parseVerifierKey,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  verifyReceipt,
} from '../../../../protocol/tlog';
import type { DurableWriter } from '../db/durable-writer';
import { openTestDatabase, testDialects, type TestDatabase } from '../db/test-databases';
import { startLog, type ClearinghouseLog } from './clearinghouse-log';
import {
  checkpointResponse,
  consistencyProofResponse,
  inclusionProofResponse,
  receiptResponse,
  tileResponse,
} from './http';
import { nodeSha256 } from './sequencer';
import {
  keyFolder,
  makeRecord,
  prepare,
  referenceTree,
  testLogConfig,
  writeMessages,
} from './test-log';

const sha256 = nodeSha256;
const origin = 'localhost:3000/log';
const api = (path: string) => new URL(`http://localhost:3000/api/v1/log/${path}`);

async function problemOf(response: Response): Promise<{ code: string; status: number }> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { code: string; status: number };
}

describe.each(testDialects)('log HTTP surface on %s', (dialect) => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let keys: ReturnType<typeof keyFolder>;
  let log: ClearinghouseLog;
  let reference: Awaited<ReturnType<typeof referenceTree>>;

  beforeAll(async () => {
    tdb = await openTestDatabase(dialect);
    writer = await prepare(tdb.cdb);
    keys = keyFolder();
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    await writeMessages(writer, 600);
    await log.sequencer.flush();
    reference = await referenceTree(tdb.cdb);
  });

  afterAll(async () => {
    await log.stop();
    await writer.close();
    await tdb.dispose();
    keys.remove();
  });

  it('serves the signed checkpoint as text/plain, never cached stale', async () => {
    const response = await checkpointResponse(log.service);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const verifier = parseVerifierKey(log.description.logVerifierKey, sha256);
    const checkpoint = openCheckpoint(await response.text(), verifier, origin);
    expect(checkpoint.size).toBe(600);
    expect(checkpoint.rootHash).toEqual(reference.root);
  });

  it('serves a full hash tile as immutable octet-stream holding the leaf hashes', async () => {
    const response = await tileResponse(log.service, 'tile/0/001');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes).toHaveLength(256 * 32);
    expect(bytes.subarray(0, 32)).toEqual(leafHash(sha256, reference.entries[256]!));
  });

  it('serves the partial tile of the current width, and older widths as its prefix', async () => {
    const current = await tileResponse(log.service, 'tile/0/002.p/88');
    expect(current.status).toBe(200);
    expect(current.headers.get('cache-control')).toBe('no-cache');
    const currentBytes = new Uint8Array(await current.arrayBuffer());
    expect(currentBytes).toHaveLength(88 * 32);
    const older = new Uint8Array(
      await (await tileResponse(log.service, 'tile/0/002.p/50')).arrayBuffer(),
    );
    expect(older).toEqual(currentBytes.subarray(0, 50 * 32));
    const level1 = new Uint8Array(
      await (await tileResponse(log.service, 'tile/1/000.p/2')).arrayBuffer(),
    );
    expect(level1.subarray(0, 32)).toEqual(await treeHash(sha256, 256, reference.tree));
  });

  it.each([
    ['a width beyond the tree', 'tile/0/002.p/89'],
    ['a full tile that is still partial', 'tile/0/002'],
    ['a tile past the end', 'tile/0/003'],
    ['a level that has no tile yet', 'tile/2/000.p/1'],
    ['an entry bundle past the end', 'tile/entries/005'],
  ])('answers 404 problem+json for %s', async (_name, path) => {
    const response = await tileResponse(log.service, path);
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ code: 'log-tile-not-found', status: 404 });
  });

  it.each([
    ['a non-canonical index', 'tile/0/x000/002'],
    ['a zero width', 'tile/0/002.p/0'],
    ['a width of 256', 'tile/0/002.p/256'],
    ['garbage', 'tile/../../etc/passwd'],
    ['an overlong path', `tile/0/${'x001/'.repeat(40)}000`],
  ])('answers 400 ERR_TLOG_PATH_INVALID for %s', async (_name, path) => {
    const response = await tileResponse(log.service, path);
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({ code: 'ERR_TLOG_PATH_INVALID' });
  });

  it('serves entry bundles whose entries are the log entries, full ones immutable', async () => {
    const full = await tileResponse(log.service, 'tile/entries/000');
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(decodeEntryBundle(new Uint8Array(await full.arrayBuffer()), 256)).toEqual(
      reference.entries.slice(0, 256),
    );
    const partial = await tileResponse(log.service, 'tile/entries/002.p/88');
    expect(decodeEntryBundle(new Uint8Array(await partial.arrayBuffer()), 88)).toEqual(
      reference.entries.slice(512),
    );
    const older = await tileResponse(log.service, 'tile/entries/002.p/3');
    expect(decodeEntryBundle(new Uint8Array(await older.arrayBuffer()), 3)).toEqual(
      reference.entries.slice(512, 515),
    );
  });

  it('builds inclusion proofs that verify against the root of the size asked for', async () => {
    for (const [index, size] of [
      [0, 1],
      [5, 6],
      [255, 256],
      [256, 600],
      [599, 600],
      [300, 513],
    ] as const) {
      const response = await inclusionProofResponse(
        log.service,
        api(`proof/inclusion?index=${index}&size=${size}`),
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { index: number; size: number; proof: string[] };
      expect(body).toMatchObject({ index, size });
      verifyInclusion(sha256, {
        leafHash: leafHash(sha256, reference.entries[index]!),
        index,
        size,
        proof: body.proof.map(base64Decode),
        root: await treeHash(sha256, size, reference.tree),
      });
    }
  });

  it('builds consistency proofs that verify between the two roots', async () => {
    for (const [from, to] of [
      [1, 600],
      [256, 600],
      [300, 513],
      [600, 600],
      [0, 10],
    ] as const) {
      const response = await consistencyProofResponse(
        log.service,
        api(`proof/consistency?from=${from}&to=${to}`),
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { proof: string[] };
      verifyConsistency(sha256, {
        size1: from,
        size2: to,
        root1: await treeHash(sha256, from, reference.tree),
        root2: await treeHash(sha256, to, reference.tree),
        proof: body.proof.map(base64Decode),
      });
    }
  });

  it.each([
    ['inclusion without index', 'proof/inclusion?size=10', 'log-query-invalid'],
    ['a leading zero', 'proof/inclusion?index=01&size=10', 'log-query-invalid'],
    ['a negative index', 'proof/inclusion?index=-1&size=10', 'log-query-invalid'],
    ['a fraction', 'proof/inclusion?index=1.5&size=10', 'log-query-invalid'],
    ['a repeated parameter', 'proof/inclusion?index=1&index=2&size=10', 'log-query-invalid'],
    ['an index outside the tree', 'proof/inclusion?index=10&size=10', 'log-query-invalid'],
    ['a size beyond the log', 'proof/inclusion?index=1&size=601', 'log-size-beyond-tree'],
    ['a huge size', 'proof/inclusion?index=1&size=99999999999999999999', 'log-query-invalid'],
    ['from after to', 'proof/consistency?from=10&to=5', 'log-query-invalid'],
    ['to beyond the log', 'proof/consistency?from=1&to=601', 'log-size-beyond-tree'],
  ])('refuses %s with 400 problem+json', async (_name, path, code) => {
    const url = api(path);
    const response = path.startsWith('proof/inclusion')
      ? await inclusionProofResponse(log.service, url)
      : await consistencyProofResponse(log.service, url);
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({ code, status: 400 });
  });

  it('answers a receipt that verifies offline for a sequenced message', async () => {
    const sha = reference.sha256s[42]!;
    const response = await receiptResponse(log.service, sha, api(`receipts/${sha}`));
    expect(response.status).toBe(200);
    const receipt = parseReceipt(await response.json());
    const verifier = parseVerifierKey(log.description.logVerifierKey, sha256);
    const verified = verifyReceipt(sha256, receipt, verifier, origin, sha);
    expect(verified.index).toBe(42);
    expect(verified.entry.sha256).toBe(sha);
  });

  it('goes from pending (202 after the wait) to the receipt once the sequencer ran', async () => {
    const [sha] = await writeMessages(writer, 1);
    const pending = await receiptResponse(log.service, sha!, api(`receipts/${sha}?wait=0`));
    expect(pending.status).toBe(202);
    expect(pending.headers.get('retry-after')).toBe('1');
    expect(await problemOf(pending)).toMatchObject({ code: 'log-entry-pending' });

    // A long-poll that is waiting when the batch commits answers with the receipt.
    const polling = receiptResponse(log.service, sha!, api(`receipts/${sha}?wait=10`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await log.sequencer.flush();
    const response = await polling;
    expect(response.status).toBe(200);
    const receipt = parseReceipt(await response.json());
    const verifier = parseVerifierKey(log.description.logVerifierKey, sha256);
    expect(verifyReceipt(sha256, receipt, verifier, origin, sha).index).toBe(600);
  });

  it('tells an unknown hash, a message that is not logged and a malformed hash apart', async () => {
    const unknown = await receiptResponse(log.service, 'A'.repeat(43), api('receipts/x'));
    expect(unknown.status).toBe(404);
    expect(await problemOf(unknown)).toMatchObject({ code: 'log-entry-unknown' });

    const offer = makeRecord({ kind: 'offer', logged: false });
    await writer.write(offer);
    const notLogged = await receiptResponse(log.service, offer.sha256, api('receipts/x'));
    expect(notLogged.status).toBe(404);
    expect(await problemOf(notLogged)).toMatchObject({ code: 'log-entry-not-logged' });

    for (const bad of ['short', 'A'.repeat(42) + 'B', 'A'.repeat(44), `${'A'.repeat(42)}=`]) {
      const response = await receiptResponse(log.service, bad, api('receipts/x'));
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ code: 'log-query-invalid' });
    }
    const badWait = await receiptResponse(log.service, 'A'.repeat(43), api('receipts/x?wait=soon'));
    expect(await problemOf(badWait)).toMatchObject({ code: 'log-query-invalid' });
  });

  it('sets a message that cannot become an entry aside instead of stalling the log', async () => {
    const orphan = makeRecord({ companyId: null });
    await writer.write(orphan);
    const [next] = await writeMessages(writer, 1);
    const errors: unknown[] = [];
    const quiet = await startLog(tdb.cdb, testLogConfig(keys.dir), {
      onError: (error) => errors.push(error),
    });
    await quiet.sequencer.flush();
    await quiet.stop();
    expect(errors).toHaveLength(1);
    const rejected = await receiptResponse(log.service, orphan.sha256, api('receipts/x'));
    expect(rejected.status).toBe(500);
    expect(await problemOf(rejected)).toMatchObject({ code: 'log-entry-rejected' });
    const fine = await receiptResponse(log.service, next!, api('receipts/x'));
    expect(fine.status).toBe(200);
  });

  it('describes itself with the log origin and the verifier key in note form', () => {
    expect(log.description).toMatchObject({
      origin: 'http://localhost:3000',
      apiBase: 'http://localhost:3000/api/v1',
      protocolVersions: [1],
      logOrigin: origin,
      webhookKey: { kty: 'OKP', crv: 'Ed25519' },
    });
    expect(log.description.logVerifierKey).toMatch(
      /^localhost:3000\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/,
    );
    expect(parseVerifierKey(log.description.logVerifierKey, sha256).name).toBe(origin);
  });
});
