import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import {
  decodeEntryBundle,
  decodeLogEntry,
  parseCheckpoint,
  TILE_WIDTH,
  tileWidthFor,
} from '$protocol/tlog';
import { base64Encode } from '$protocol/encoding';
import { getInstance } from '$lib/server/instance';
import { readVerifierFile } from '$lib/server/verifier-download';

/** Entries shown per page of the explorer. */
const pageSize = 20;

/**
 * The auditor's log explorer (public): the current signed checkpoint, the log's verifier key,
 * and a page of entries by index, decoded. Everything shown here is also verified in the
 * browser (the checkpoint's signature, receipts, consistency); the server's rendering is only
 * the starting point, and works without JavaScript. The command-line verifier is offered as one
 * file with its SHA-256 when it is built (./clearinghouse-verify.mjs/+server.ts).
 */
export const load: PageServerLoad = async ({ url, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const { log, database } = await getInstance();
  const note = await log.service.checkpoint();
  const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
  const checkpoint = parseCheckpoint(text);
  const size = checkpoint.size;
  const raw = url.searchParams.get('from');
  let from = Math.max(0, size - pageSize);
  let invalidFrom = false;
  if (raw !== null) {
    if (/^(0|[1-9]\d{0,15})$/.test(raw) && Number(raw) < Math.max(1, size)) from = Number(raw);
    else invalidFrom = true;
  }
  const to = Math.min(size, from + pageSize);
  const entries: {
    index: number;
    kind: string;
    company: string;
    companyName: string | null;
    pseudonym: string | null;
    time: number;
    sha256: string;
    bytes: string;
  }[] = [];
  for (let n = Math.floor(from / TILE_WIDTH); n * TILE_WIDTH < to; n++) {
    const width = tileWidthFor(size, 0, n);
    const bundle = decodeEntryBundle(await log.service.entryBundle(n, width), width);
    for (const [i, bytes] of bundle.entries()) {
      const index = n * TILE_WIDTH + i;
      if (index < from || index >= to) continue;
      try {
        const entry = decodeLogEntry(bytes);
        entries.push({ index, ...entry, companyName: null, bytes: base64Encode(bytes) });
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        entries.push({
          index,
          kind: '?',
          company: '',
          companyName: null,
          pseudonym: null,
          time: 0,
          sha256: '',
          bytes: base64Encode(bytes),
        });
      }
    }
  }
  const ids = [...new Set(entries.map((e) => e.company).filter((id) => id.startsWith('co_')))];
  if (ids.length > 0) {
    const rows = await database.db
      .selectFrom('companies')
      .select(['id', 'legal_name'])
      .where('id', 'in', ids)
      .execute();
    const names = new Map(rows.map((row) => [row.id, row.legal_name]));
    for (const entry of entries) entry.companyName = names.get(entry.company) ?? null;
  }
  // The verifier as one file, when it is built: its hash and size, for the auditor to compare.
  const verifier = await readVerifierFile();
  return {
    verifier: verifier === undefined ? null : { sha256: verifier.sha256, size: verifier.size },
    checkpointNote: note,
    size,
    rootHash: base64Encode(checkpoint.rootHash),
    logOrigin: log.description.logOrigin,
    logVerifierKey: log.description.logVerifierKey,
    origin: log.config.origin,
    entries: entries.reverse(),
    from,
    pageSize,
    invalidFrom,
  };
};
