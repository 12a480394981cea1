import { ProtocolError } from '$protocol/errors';
import { ClientAbortedError, isClientAbort } from '../client-abort';

/** The body limit of every API POST (issue 4; sealed payloads of issue 5 get 256 KiB). */
export const defaultBodyLimit = 64 * 1024;

/**
 * The body limit of the POSTs that carry a sealed payload (offer, reward, correction,
 * disclosure): 256 KiB (issue 5 "Limits and delivery").
 */
export const sealedBodyLimit = 256 * 1024;

/**
 * Reads the body of a POST that carries a signed message: `content-type: application/jose`
 * (parameters such as `charset` ignored), at most `limit` bytes, ASCII (a compact JWS is
 * nothing else). The size is checked before the body is read: a `content-length` over the limit
 * is refused without reading, and a body that grows past it while streaming is not kept beyond
 * it: the rest is read and dropped so the 413 arrives (up to `oversizedDrainBytes` more, then the
 * connection is cut), so an attacker cannot make the server buffer more than `limit` bytes.
 *
 * @throws ProtocolError `ERR_CONTENT_TYPE_UNSUPPORTED` (415), `ERR_MESSAGE_TOO_LARGE` (413),
 *   `ERR_JWS_MALFORMED` for an empty or non-ASCII body; `ClientAbortedError` when the client
 *   disconnects before the body is complete.
 * @example
 * ```ts
 * const token = await readJoseBody(request);
 * ```
 */
export async function readJoseBody(request: Request, limit = defaultBodyLimit): Promise<string> {
  requireContentType(request, 'application/jose');
  const bytes = await readLimited(request, limit);
  const text = asciiText(bytes);
  if (text === undefined || text.length === 0) {
    throw new ProtocolError('ERR_JWS_MALFORMED', 'The body is not a compact JWS.');
  }
  return text.trim();
}

/**
 * Reads a JSON body (`content-type: application/json`) of at most `limit` bytes and parses it.
 *
 * @throws ProtocolError `ERR_CONTENT_TYPE_UNSUPPORTED`, `ERR_MESSAGE_TOO_LARGE`, and
 *   `ERR_QUERY_INVALID` with `detail_data.parameter: "body"` for a body that is not JSON.
 * @example
 * ```ts
 * const body = await readJsonBody(request);
 * ```
 */
export async function readJsonBody(request: Request, limit = defaultBodyLimit): Promise<unknown> {
  requireContentType(request, 'application/json');
  const bytes = await readLimited(request, limit);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    // The API's code for a malformed query, path or JSON body (docs/api.md "Errors"); its title
    // speaks of parameters, so the detail says that it is the body, and `parameter` names it
    // for a machine, as `integerParam` and `idParam` name theirs.
    throw new ProtocolError(
      'ERR_QUERY_INVALID',
      'The body is not valid JSON: send one JSON value (RFC 8259) in UTF-8.',
      { parameter: 'body' },
    );
  }
}

/**
 * Reads a form post (`application/x-www-form-urlencoded` or `multipart/form-data`, as a browser
 * or SvelteKit's `enhance` sends it) of at most `limit` bytes and parses it: the public form
 * actions' counterpart of the API's body limit (the Node adapter's own limit is 512 KB).
 *
 * @throws ProtocolError `ERR_CONTENT_TYPE_UNSUPPORTED`, `ERR_MESSAGE_TOO_LARGE`, and
 *   `ERR_QUERY_INVALID` for a body that is not such a form; `ClientAbortedError`.
 * @example
 * ```ts
 * const form = await readFormBody(event.request);
 * ```
 */
export async function readFormBody(request: Request, limit = defaultBodyLimit): Promise<FormData> {
  const contentType = request.headers.get('content-type') ?? '';
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new ProtocolError('ERR_CONTENT_TYPE_UNSUPPORTED', 'The body must be a form.', {
      expected: 'application/x-www-form-urlencoded',
    });
  }
  const bytes = await readLimited(request, limit);
  try {
    return await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    throw new ProtocolError('ERR_QUERY_INVALID', 'The body is not a form.');
  }
}

function requireContentType(request: Request, expected: string): void {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== expected) {
    throw new ProtocolError(
      'ERR_CONTENT_TYPE_UNSUPPORTED',
      `The body must be sent as ${expected}.`,
      { expected },
    );
  }
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    // Refuse before reading a single byte; a malformed length is treated as too large.
    if (!/^\d{1,15}$/.test(declared.trim()) || Number(declared) > limit) tooLarge(limit);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch (error) {
      // The client went away mid-body: not a server error (client-abort.ts), nothing is stored.
      if (isClientAbort(error, request)) throw new ClientAbortedError({ cause: error });
      throw error;
    }
    const { done, value } = read;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await discardRest(reader);
      tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The most of an oversized body read and thrown away so that its 413 arrives. Cancelling the
 * stream at once destroys the connection (the Node adapter's `req.destroy()`), and closing a
 * socket with unread bytes resets it: the client saw a network error and no problem at all, and
 * would send the same again. A body that ends within this much more is drained and answered on a
 * connection that stays usable; a longer one is cut off as before. Nothing drained is kept.
 */
export const oversizedDrainBytes = 1024 * 1024;

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let drained = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      drained += value.byteLength;
      if (drained > oversizedDrainBytes) break;
    }
  } catch {
    return; // the client went away: there is no one to answer
  }
  await reader.cancel().catch(() => {});
}

function tooLarge(limit: number): never {
  throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', `The body exceeds ${limit} bytes.`, { limit });
}

/** Printable ASCII, tab excepted, plus CR and LF: all a compact JWS (and a trailing newline) needs. */
const notJoseText = /[^\x20-\x7e\r\n]/;

function asciiText(bytes: Uint8Array): string | undefined {
  // latin1 maps every byte to one character, so a byte outside the allowed range stays visible
  // to the check (node's Buffer: one native call instead of a JavaScript loop over the bytes).
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return notJoseText.test(text) ? undefined : text;
}
