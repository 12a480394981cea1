import type { RequestHandler } from './$types';
import { t } from '$protocol/i18n';
import { problem, problemResponse } from '$lib/server/problem';
import { readVerifierFile, verifierFileName } from '$lib/server/verifier-download';

/**
 * The auditor's verifier as one file (`/audit/clearinghouse-verify.mjs`), offered on /audit with
 * its SHA-256 (lib/server/verifier-download.ts). The ETag is the file's SHA-256, so a client that
 * has it is answered 304. Before `npm run build:portal` made the file: 404 with a sentence saying
 * how to build it, as problem+json, or as plain text for a browser asking for a page.
 */
export const GET: RequestHandler = async ({ request, locals }) => {
  const file = await readVerifierFile();
  if (file === undefined) {
    const sentence = t(locals.locale, 'portal.audit.cli.notBuilt');
    const headers = { 'cache-control': 'no-store', 'content-language': locals.locale };
    const accept = request.headers.get('accept') ?? '';
    if (accept.includes('text/html') && !accept.includes('application/problem+json')) {
      return new Response(`${sentence}\n`, {
        status: 404,
        headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    return problemResponse(
      problem(404, 'verifier-not-built', 'The verifier file has not been built', sentence),
      headers,
    );
  }
  const headers = {
    etag: `"sha256-${file.sha256}"`,
    // RFC 9530: the same hash as a header a client can check the download against.
    'repr-digest': `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`,
    // A new build replaces the file: ask again each time (the ETag makes that cheap).
    'cache-control': 'no-cache',
  };
  const known = request.headers.get('if-none-match') ?? '';
  if (known.split(',').some((tag) => tag.trim().replace(/^W\//, '') === headers.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      ...headers,
      'content-type': 'text/javascript; charset=utf-8',
      'content-disposition': `attachment; filename="${verifierFileName}"`,
      'content-length': String(file.size),
    },
  });
};
