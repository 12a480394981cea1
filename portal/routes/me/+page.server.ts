import type { PageServerLoad } from './$types';
import { availableDownloads } from '$lib/server/assistant-downloads';

/**
 * Which of the Assistant's downloads this clearinghouse offers (assistant-downloads.ts), the same
 * answer `/` gives: without an Assistant, /me points to `/`'s install section where they are.
 */
export const load: PageServerLoad = () => ({ downloads: availableDownloads() });
