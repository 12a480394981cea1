import type { PageServerLoad } from './$types';
import { logConfigFromEnv } from '$lib/server/log/clearinghouse-log';
import { apiPageModel, cachedOpenApiDocument } from '$lib/server/openapi';

/** The API page is rendered from the OpenAPI document, the same one `/api/v1/openapi.json` serves. */
export const load: PageServerLoad = () => ({
  api: apiPageModel(cachedOpenApiDocument(logConfigFromEnv().origin)),
});
