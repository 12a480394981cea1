/**
 * A lean HTTP/1.1 keep-alive client for the benchmarks' paced runs (bench:api at half rate).
 *
 * The load generator shares the machine's cores with the server it measures, so what it costs
 * per request is taken from the server. `node:http`'s client cost 217-342 µs of CPU per request
 * at half rate (a `ClientRequest`, an `IncomingMessage`, the agent's bookkeeping and the parser
 * for every request), against 64-99 µs for autocannon at the maximum, which writes prepared
 * bytes to its sockets. This client does the same: each request is serialised once, before the
 * run ({@link serialiseRequest}), and written as it is; a response is read only as far as its
 * status line, `content-length` or chunked framing, and body.
 *
 * It speaks exactly what the benchmarks need: one request at a time per connection, responses
 * framed by `content-length` or `transfer-encoding: chunked` (without trailers), interim 1xx
 * answers skipped, no HEAD requests. Anything else (a response without either, a malformed status
 * line or chunk) fails that request with an error naming it, never a hang.
 */
import { connect, type Socket } from 'node:net';

/** A request as the benchmarks describe it. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What came back: the status and the body as text. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * The request's bytes for `host` (`localhost:3000`), with `content-length` for a body and
 * `connection: keep-alive`.
 *
 * @example
 * ```ts
 * const bytes = serialiseRequest('127.0.0.1:3000', { method: 'GET', path: '/api/v1/ping' });
 * ```
 */
export function serialiseRequest(host: string, request: RawRequest): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value))
      throw new Error(`header ${name} has a line break`);
    if (name.toLowerCase() === 'content-length') continue;
    head += `${name}: ${value}\r\n`;
  }
  if (body !== undefined) head += `content-length: ${body.length}\r\n`;
  head += '\r\n';
  return body === undefined
    ? Buffer.from(head, 'latin1')
    : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const headerEnd = Buffer.from('\r\n\r\n');
const lineEnd = Buffer.from('\r\n');

/**
 * Where the response in `data` ends: its status, body and length in bytes, or undefined while
 * it is incomplete.
 *
 * @throws Error when the response cannot be framed (no status line, neither `content-length`
 *   nor chunked).
 */
export function parseResponse(
  data: Buffer,
): { status: number; body: string; length: number } | undefined {
  const end = data.indexOf(headerEnd);
  if (end < 0) return undefined;
  const head = data.toString('latin1', 0, end);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (status === null) throw new Error(`not an HTTP response: ${head.slice(0, 80)}`);
  const code = Number(status[1]);
  const lower = head.toLowerCase();
  const start = end + headerEnd.length;
  if (code >= 100 && code < 200) {
    // An interim answer (100 Continue, 103 Early Hints): the final one follows it.
    const rest = parseResponse(data.subarray(start));
    return rest === undefined ? undefined : { ...rest, length: start + rest.length };
  }
  if (code === 204 || code === 304) return { status: code, body: '', length: start };
  // Chunked wins over a content-length sent with it (RFC 9112, 6.3).
  if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const sizeEnd = data.indexOf(lineEnd, at);
      if (sizeEnd < 0) return undefined;
      const size = Number.parseInt(data.toString('latin1', at, sizeEnd), 16);
      if (!Number.isFinite(size)) throw new Error('a malformed chunk size');
      const chunkStart = sizeEnd + lineEnd.length;
      if (size === 0) {
        // The last chunk; trailers are not expected: the line end that closes the message.
        if (data.length < chunkStart + lineEnd.length) return undefined;
        if (!data.subarray(chunkStart, chunkStart + lineEnd.length).equals(lineEnd)) {
          throw new Error('trailers after the last chunk');
        }
        return {
          status: code,
          body: Buffer.concat(parts).toString('utf8'),
          length: chunkStart + lineEnd.length,
        };
      }
      if (data.length < chunkStart + size + lineEnd.length) return undefined;
      if (!data.subarray(chunkStart + size, chunkStart + size + lineEnd.length).equals(lineEnd)) {
        throw new Error('a chunk longer than its size');
      }
      parts.push(data.subarray(chunkStart, chunkStart + size));
      at = chunkStart + size + lineEnd.length;
    }
  }
  const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
  if (length !== null) {
    const total = start + Number(length[1]);
    if (data.length < total) return undefined;
    return { status: code, body: data.toString('utf8', start, total), length: total };
  }
  throw new Error(`a response framed neither by content-length nor chunked: ${head.slice(0, 80)}`);
}

/** One keep-alive connection, one request at a time; reconnects after the server closed it. */
class RawConnection {
  private socket: Socket | undefined;
  private data: Buffer = Buffer.alloc(0);
  private waiting:
    { resolve: (response: RawResponse) => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly port: number,
    private readonly hostname: string,
    private readonly timeoutMs: number,
  ) {}

  private open(): Socket {
    const socket = connect({ port: this.port, host: this.hostname, noDelay: true });
    // Events of a socket this connection has already left behind (a reset's late 'close') are
    // not about the request now on the new one.
    const current = () => this.socket === socket;
    socket.on('data', (chunk: Buffer) => {
      if (!current()) return;
      this.answered = true;
      this.data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
      let parsed: ReturnType<typeof parseResponse>;
      try {
        parsed = parseResponse(this.data);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (parsed === undefined) return;
      this.data = this.data.subarray(parsed.length);
      this.stopTimer();
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve({ status: parsed.status, body: parsed.body });
    });
    socket.on('error', (error) => {
      if (current()) this.fail(error, true);
    });
    socket.on('close', () => {
      if (current()) this.fail(new Error('the server closed the connection'), true);
    });
    return socket;
  }

  private timer: NodeJS.Timeout | undefined;

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether the last failure was the connection's (reset, closed), not the request's. */
  private lost = false;

  private fail(error: Error, lost = false): void {
    this.stopTimer();
    this.lost = lost;
    const socket = this.socket;
    this.socket = undefined;
    this.data = Buffer.alloc(0);
    socket?.destroy();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  /**
   * Sends `bytes` and resolves with the response. A kept-alive connection the server closed
   * while it was idle (its keep-alive timeout) fails with a reset or a close before any answer:
   * then the request goes once more on a new connection, as HTTP clients do. A request that
   * timed out, or had begun to be answered, is never sent again.
   */
  async send(bytes: Buffer): Promise<RawResponse> {
    const reused = this.socket !== undefined;
    try {
      return await this.sendOnce(bytes);
    } catch (error) {
      if (!reused || this.answered || !this.lost) throw error;
      return this.sendOnce(bytes);
    }
  }

  /** Whether any byte of the current response has come. */
  private answered = false;

  private sendOnce(bytes: Buffer): Promise<RawResponse> {
    if (this.waiting !== undefined) throw new Error('one request at a time per connection');
    // Bytes left over from the last response (more than it said it had): the connection is out
    // of step, so start afresh rather than read them as this request's answer.
    if (this.data.length > 0) this.fail(new Error('unexpected bytes after a response'));
    this.answered = false;
    this.lost = false;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket ??= this.open();
      this.timer = setTimeout(
        () => this.fail(new Error(`timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.socket.write(bytes);
    });
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }
}

/**
 * Up to `connections` keep-alive connections to `url`'s host; {@link RawPool.send} takes a free
 * one (opening it on first use).
 *
 * @example
 * ```ts
 * const pool = new RawPool('http://127.0.0.1:3000', 16);
 * const { status } = await pool.send(serialiseRequest(pool.host, { method: 'GET', path: '/' }));
 * pool.close();
 * ```
 */
export class RawPool {
  readonly host: string;
  private readonly idle: RawConnection[] = [];
  private readonly all: RawConnection[] = [];

  constructor(
    url: string,
    private readonly connections: number,
    private readonly timeoutMs = 30_000,
  ) {
    const target = new URL(url);
    this.host = target.host;
    this.port = Number(target.port || 80);
    this.hostname = target.hostname;
  }

  private readonly port: number;
  private readonly hostname: string;

  /**
   * Sends prepared bytes on a free connection; rejects when none is free (the caller paces).
   * The longest idle connection goes first, so none idles into the server's keep-alive timeout.
   */
  async send(bytes: Buffer): Promise<RawResponse> {
    let connection = this.idle.shift();
    if (connection === undefined) {
      if (this.all.length >= this.connections) throw new Error('every connection is busy');
      connection = new RawConnection(this.port, this.hostname, this.timeoutMs);
      this.all.push(connection);
    }
    try {
      return await connection.send(bytes);
    } finally {
      this.idle.push(connection);
    }
  }

  close(): void {
    for (const connection of this.all) connection.close();
  }
}
