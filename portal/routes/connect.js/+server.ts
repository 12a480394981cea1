/**
 * `GET /connect.js`: the script companies put on their pages (protocol/connect with its browser
 * binding, portal/lib/connect). Built once by Vite into the server bundle as a string.
 */
import source from 'virtual:connect-script';
import type { RequestHandler } from './$types';

/** A strong validator, so a page reload costs a 304 once the cache time has passed. */
const etag = `"${(() => {
  // FNV-1a over the text: enough to tell two builds apart, no crypto import needed here.
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) h = Math.imul(h ^ source.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(16)}-${source.length.toString(16)}`;
})()}"`;

const headers = {
  'content-type': 'text/javascript; charset=utf-8',
  // Short: companies load the script from us, so a fix must reach their pages soon.
  'cache-control': 'public, max-age=300',
  etag,
  'x-content-type-options': 'nosniff',
  // Only needed for <script crossorigin integrity=…>; the script itself holds nothing secret.
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
};

export const GET: RequestHandler = ({ request }) => {
  if (request.headers.get('if-none-match') === etag)
    return new Response(null, { status: 304, headers });
  return new Response(source, { headers });
};
