import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { readDownload } from '$lib/server/assistant-downloads';

/** The Assistant's download for one browser (`/assistant/assistant-chromium.zip`), offered on `/`. */
export const GET: RequestHandler = async ({ params }) => {
  const bytes = await readDownload(params.name);
  if (bytes === undefined) error(404, 'Not found');
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${params.name}"`,
      // A new build replaces the file: ask again each time, it is small.
      'cache-control': 'no-cache',
    },
  });
};
