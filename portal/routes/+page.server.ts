import type { PageServerLoad } from './$types';
import { availableDownloads } from '$lib/server/assistant-downloads';

/** Which of the Assistant's downloads this clearinghouse offers (assistant-downloads.ts). */
export const load: PageServerLoad = () => ({ downloads: availableDownloads() });
