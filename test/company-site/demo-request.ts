/**
 * The body of the site's demo routes (`POST /demo/offer`, `POST /demo/reward`, `POST /demo/access`),
 * which the demo page, the tests and a person with `curl` use: a JSON object naming a customer,
 * `{"pseudonym": "ps_…"}`. A body that is too large, not JSON, or lacks the field is answered as
 * such, not as "no such customer": that sentence sent whoever typed `-d '{bad'` looking for a
 * customer that was never the problem.
 */
import type { IncomingMessage } from 'node:http';

/** The most a demo route reads of a body, in bytes. */
export const maxDemoBody = 4096;

/** A demo request's customer, or why there is none: the status and sentence to answer with. */
export type DemoRequest =
  { readonly pseudonym: string } | { readonly status: 400 | 413; readonly error: string };

/**
 * Reads a demo route's body (at most {@link maxDemoBody} bytes) and the pseudonym it names.
 * Whether that pseudonym is a customer is the route's question (404 `no such customer`).
 *
 * @example
 * ```ts
 * const read = await readDemoRequest(req);
 * if ('error' in read) return reply(res, read.status, { error: read.error });
 * ```
 */
export async function readDemoRequest(req: IncomingMessage): Promise<DemoRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxDemoBody)
      return { status: 413, error: `the body is larger than ${maxDemoBody} bytes` };
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return { status: 400, error: 'the body is not valid JSON; send {"pseudonym": "ps_…"}' };
  }
  const pseudonym =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as { pseudonym?: unknown }).pseudonym
      : undefined;
  if (typeof pseudonym !== 'string')
    return { status: 400, error: 'the body lacks "pseudonym"; send {"pseudonym": "ps_…"}' };
  return { pseudonym };
}
