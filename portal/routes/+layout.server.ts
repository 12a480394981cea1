import type { LayoutServerLoad } from './$types';
import { version } from '$lib/server/version';

export const load: LayoutServerLoad = ({ locals, url }) => ({
  locale: locals.locale,
  version,
  path: url.pathname + url.search,
});
