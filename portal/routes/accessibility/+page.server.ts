import type { PageServerLoad } from './$types';
import { legalText } from '$lib/server/legal-texts';

/** The operator's accessibility text from LEGAL_TEXT_DIR, or the software's placeholder (docs/operations.md). */
export const load: PageServerLoad = async ({ locals }) => ({
  text: await legalText('accessibility', locals.locale),
});
