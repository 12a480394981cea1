/**
 * The operator's way into the running site (docs/company-integration.md "Rotate keys"): the
 * running process holds the data files (keys.ts, store.ts), so a second process must not change
 * them; it asks the running site instead, here to replace its key (`POST /admin/replace-key`,
 * sent by the CLI admin.ts).
 *
 * Who may ask: a caller on this machine (its address is loopback, and no proxy header says it
 * speaks for another) that shows the token of `<dataDir>/admin.json`. The site writes that file
 * anew at each start (mode 0600, so only the account running the site and root can read it),
 * with a fresh token and the URL to call, and removes it when it stops. The loopback rule keeps
 * the endpoint off the network even when the site listens on every address; the token keeps out
 * other accounts of the machine and web pages that reach loopback through the browser (DNS
 * rebinding), which can send requests but cannot read the file. A reverse proxy on the same
 * machine makes every caller loopback: it marks what it forwards (`Forwarded`,
 * `X-Forwarded-For`, `X-Real-IP`), and such a request is refused too.
 *
 * Decision: an endpoint of the running site rather than a command that opens the data files
 * itself (two writers of one store, one of them unaware of the other's key), and rather than a
 * Unix socket (no Windows, a path length limit of about 100 bytes, and no HTTP client in Node's
 * fetch for it).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ApiProblem } from '../../protocol/client';
import { base64urlEncode } from '../../protocol/encoding';
import { replaceFile } from './durable-file';
import type { ReplacedKey } from './key-replacement';

/** The file the running site writes for the CLI, in its data directory. */
export const adminFileName = 'admin.json';

/** What `admin.json` holds. */
export interface AdminFile {
  v: 1;
  /** Where the site answers on this machine, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** base64url of 32 random bytes; `Authorization: Bearer <token>`. */
  token: string;
}

/** The codes the endpoint answers with, beside those of key-replacement.ts and the clearinghouse. */
export type AdminErrorCode =
  | 'ERR_ADMIN_NOT_LOOPBACK'
  | 'ERR_ADMIN_TOKEN_INVALID'
  | 'ERR_ADMIN_NOT_FOUND'
  | 'ERR_ADMIN_REQUEST_INVALID'
  | 'ERR_ADMIN_TIME_INVALID'
  | 'ERR_ADMIN_TIME_IN_FUTURE'
  | 'ERR_ADMIN_BUSY'
  | 'ERR_ADMIN_BEFORE_KEY';

/** A request the endpoint refuses, with its HTTP status; the message is the sentence it answers. */
export class AdminRequestRefused extends Error {
  override readonly name = 'AdminRequestRefused';
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The answer of `POST /admin/replace-key` (200). */
export type ReplaceKeyAnswer =
  | {
      result: 'replaced';
      /** The key that signs now. */
      kid: string;
      replacedKid: string;
      /** ISO 8601, when the replaced key was declared compromised since; absent when retired. */
      compromisedSince?: string;
    }
  | { result: 'nothing-to-do' };

export interface AdminEndpointOptions {
  dataDir: string;
  /** Where the site answers on this machine (written to `admin.json` for the CLI). */
  url: string;
  /** site.ts `replaceKey`: the current key, or `kid` (a key replaced before) declared compromised. */
  replaceKey(options: {
    compromisedSince?: number;
    kid?: string;
  }): Promise<ReplacedKey | undefined>;
  now: () => number;
  log: (line: string) => void;
}

/** The endpoint, hooked into site.ts's request handler. */
export interface AdminEndpoint {
  /** Answers a request under `/admin/`; false for any other. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Removes `admin.json` (if it is still this run's); the endpoint answers nothing more. */
  close(): void;
}

const maxBody = 4096;

/**
 * Writes a fresh `admin.json` (mode 0600, flushed, replacing one an earlier run left) and
 * returns the endpoint that checks callers against it.
 *
 * @throws the file system's error.
 *
 * @example
 * ```ts
 * const admin = openAdminEndpoint({ dataDir, url: 'http://127.0.0.1:4000', replaceKey, now: Date.now, log });
 * if (await admin.handle(req, res, url)) return;
 * ```
 */
export function openAdminEndpoint(options: AdminEndpointOptions): AdminEndpoint {
  const { dataDir, url, replaceKey, now, log } = options;
  const path = join(dataDir, adminFileName);
  const token = base64urlEncode(new Uint8Array(randomBytes(32)));
  const file: AdminFile = { v: 1, url, token };
  // A temporary file an earlier run left keeps its mode when opened again: created anew.
  rmSync(`${path}.tmp`, { force: true });
  replaceFile(path, `${JSON.stringify(file, null, 2)}\n`);
  const expected = digest(token);
  // The name `admin.json` gives the CLI (the site's listen host), besides loopback's own names.
  const ownName = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  let closed = false;

  async function replace(req: IncomingMessage): Promise<ReplaceKeyAnswer> {
    const body = await readJsonObject(req);
    const unknown = Object.keys(body).filter((key) => key !== 'compromisedSince' && key !== 'key');
    if (unknown.length > 0)
      throw new AdminRequestRefused(
        400,
        'ERR_ADMIN_REQUEST_INVALID',
        `Unknown field ${unknown.map((key) => `"${key}"`).join(', ')}: only "compromisedSince" and "key" are read.`,
      );
    if (
      body.key !== undefined &&
      (typeof body.key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(body.key))
    )
      throw new AdminRequestRefused(
        400,
        'ERR_ADMIN_REQUEST_INVALID',
        'key must be a key id (the 43-character thumbprint the registry lists).',
      );
    if (body.key !== undefined && body.compromisedSince === undefined)
      throw new AdminRequestRefused(
        400,
        'ERR_ADMIN_REQUEST_INVALID',
        'A key named by its id can only be declared compromised: give compromisedSince too.',
      );
    const kid = body.key as string | undefined;
    let compromisedSince: number | undefined;
    if (body.compromisedSince !== undefined) {
      if (typeof body.compromisedSince !== 'string')
        throw new AdminRequestRefused(
          400,
          'ERR_ADMIN_TIME_INVALID',
          'compromisedSince must be an ISO 8601 time with its zone, e.g. 2026-12-01T10:00:00Z.',
        );
      compromisedSince = parseInstant(body.compromisedSince);
      const nowSeconds = Math.floor(now() / 1000);
      if (compromisedSince > nowSeconds)
        throw new AdminRequestRefused(
          400,
          'ERR_ADMIN_TIME_IN_FUTURE',
          `compromisedSince ${body.compromisedSince} lies in the future (it is ${isoOf(nowSeconds)} now): a key can only have leaked in the past.`,
        );
    }
    log(
      compromisedSince === undefined
        ? 'admin: key replacement asked'
        : `admin: key replacement asked, ${kid ?? 'the old key'} compromised since ${isoOf(compromisedSince)}`,
    );
    const replaced = await replaceKey({
      ...(compromisedSince === undefined ? {} : { compromisedSince }),
      ...(kid === undefined ? {} : { kid }),
    });
    if (replaced === undefined) return { result: 'nothing-to-do' };
    return {
      result: 'replaced',
      kid: replaced.kid,
      replacedKid: replaced.replacedKid,
      ...(replaced.compromisedSince === undefined
        ? {}
        : { compromisedSince: isoOf(replaced.compromisedSince) }),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (closed || (url.pathname !== '/admin' && !url.pathname.startsWith('/admin/'))) return false;
    try {
      checkCaller(req, expected, ownName);
      if (url.pathname !== '/admin/replace-key' || req.method !== 'POST')
        throw new AdminRequestRefused(
          404,
          'ERR_ADMIN_NOT_FOUND',
          'The admin endpoint knows only POST /admin/replace-key.',
        );
      reply(res, 200, await replace(req));
    } catch (error) {
      const { status, code, detail } = problemOf(error);
      if (status >= 500 || code.startsWith('ERR_KEY_'))
        log(`admin: key replacement failed: ${code}: ${detail}`);
      else if (status === 401 || status === 403) log(`admin: refused a caller: ${detail}`);
      reply(
        res,
        status,
        { error: code, detail },
        status === 401 ? { 'www-authenticate': 'Bearer' } : {},
      );
    }
    return true;
  }

  return {
    handle,
    close() {
      closed = true;
      try {
        const kept = JSON.parse(readFileSync(path, 'utf8')) as Partial<AdminFile>;
        if (kept.token === token) rmSync(path, { force: true });
      } catch {
        // Gone already, or another run's: nothing of this run to remove.
      }
    },
  };
}

/**
 * Reads an ISO 8601 time with its zone (`2026-12-01T10:00:00Z`, `2026-12-01T11:00+01:00`,
 * fractions of a second allowed) as whole seconds, rounded down: a compromise reaches back to
 * the start of the second named.
 *
 * @throws AdminRequestRefused (`ERR_ADMIN_TIME_INVALID`) for anything else, a day or an hour
 *   that does not exist included (JavaScript's Date.parse would roll `02-30` over to March).
 *
 * @example
 * ```ts
 * parseInstant('2026-12-01T10:00:00Z'); // 1796119200
 * ```
 */
export function parseInstant(text: string): number {
  const invalid = () =>
    new AdminRequestRefused(
      400,
      'ERR_ADMIN_TIME_INVALID',
      `"${text.slice(0, 64)}" is no ISO 8601 time with its zone, e.g. 2026-12-01T10:00:00Z.`,
    );
  const match =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/.exec(
      text,
    );
  if (match === null) throw invalid();
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [
    match[1],
    match[2],
    match[3],
    match[4],
    match[5],
    match[6] ?? '0',
    match[9] ?? '0',
    match[10] ?? '0',
  ].map(Number) as [number, number, number, number, number, number, number, number];
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(local);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  )
    throw invalid();
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (match[8] === '-' ? -1 : 1);
  const seconds = Math.floor((local - offset) / 1000);
  if (seconds < 0) throw invalid();
  return seconds;
}

/** Refuses a caller not on this machine, or without the token. */
function checkCaller(req: IncomingMessage, expected: Buffer, ownName: string): void {
  const address = req.socket.remoteAddress ?? '';
  const forwarded = ['forwarded', 'x-forwarded-for', 'x-real-ip'].filter(
    (header) => req.headers[header] !== undefined,
  );
  if (!isLoopback(address))
    throw new AdminRequestRefused(
      403,
      'ERR_ADMIN_NOT_LOOPBACK',
      `The admin endpoint answers only callers on this machine (loopback), not ${address || 'an unknown address'}.`,
    );
  if (forwarded.length > 0)
    throw new AdminRequestRefused(
      403,
      'ERR_ADMIN_NOT_LOOPBACK',
      `The admin endpoint answers no request forwarded by a proxy (${forwarded.join(', ')}): call it on this machine directly.`,
    );
  // A web page that rebinds its own name to 127.0.0.1 sends that name as the Host.
  const host = /^(?:\[([0-9a-f:.]+)\]|([^:]*))(?::\d+)?$/i.exec(req.headers.host ?? '');
  const hostName = (host?.[1] ?? host?.[2] ?? '').toLowerCase();
  if (hostName !== 'localhost' && hostName !== ownName && !isLoopback(hostName))
    throw new AdminRequestRefused(
      403,
      'ERR_ADMIN_NOT_LOOPBACK',
      'The admin endpoint answers only requests addressed to this machine by its own name (localhost, 127.0.0.1, ::1 or the name the site listens on).',
    );
  const authorization = req.headers.authorization ?? '';
  const given = /^Bearer ([A-Za-z0-9_-]{1,128})$/.exec(authorization)?.[1];
  if (given === undefined || !timingSafeEqual(digest(given), expected))
    throw new AdminRequestRefused(
      401,
      'ERR_ADMIN_TOKEN_INVALID',
      `${given === undefined ? 'No' : 'A wrong'} admin token: send "Authorization: Bearer <token>" with the token of the site's ${adminFileName}, written anew at each start of the site.`,
    );
}

/** 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address. */
function isLoopback(address: string): boolean {
  return /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$|^::1$/i.test(address);
}

/** Compared as digests: equal lengths for timingSafeEqual, whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function isoOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** The status, code and sentence of an error, for the caller. */
function problemOf(error: unknown): { status: number; code: string; detail: string } {
  if (error instanceof AdminRequestRefused)
    return { status: error.status, code: error.code, detail: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // A failure of the clearinghouse (5xx) passes; a refusal (4xx) is answered alike on each round
  // the site asks again, until what it refuses is put right.
  if (error instanceof ApiProblem)
    return {
      status: 502,
      code: error.code,
      detail:
        error.status >= 500
          ? `The clearinghouse failed (${error.status}): ${message}. What was done is kept; the site finishes it on its next round, or its next start.`
          : `The clearinghouse refused (${error.status}): ${message}. What was done is kept, but a refusal that lasts is not finished later: the site asks again on each round and is refused again until what the clearinghouse refuses is put right.`,
    };
  if (code === 'ERR_CLEARINGHOUSE_UNREACHABLE')
    return {
      status: 503,
      code,
      detail: `${message}. What was done is kept; the site finishes it on its next round, or its next start.`,
    };
  if (code === 'ERR_KEY_REPLACEMENT_REFUSED' || code === 'ERR_KEY_REPLACEMENT_CONFLICT')
    return { status: 409, code, detail: message };
  return { status: 500, code: 'ERR_ADMIN_FAILED', detail: message };
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody)
      throw new AdminRequestRefused(
        413,
        'ERR_ADMIN_REQUEST_INVALID',
        `The request body is larger than ${maxBody} bytes.`,
      );
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new AdminRequestRefused(400, 'ERR_ADMIN_REQUEST_INVALID', 'The request body is no JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AdminRequestRefused(
      400,
      'ERR_ADMIN_REQUEST_INVALID',
      'The request body must be a JSON object, e.g. {"compromisedSince": "2026-12-01T10:00:00Z"}.',
    );
  return value as Record<string, unknown>;
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}
