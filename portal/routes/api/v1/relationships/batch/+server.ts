import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { readJsonBody } from '$lib/server/auth/body';
import { chargeClientAddressUnits } from '$lib/server/rate-limits';
import { relationshipsBatch } from '$lib/server/relationships';
import { getServices } from '$lib/server/services';

/** Many pseudonyms' relationships in one call, each item with its own request signature. */
export const POST: RequestHandler = (event) =>
  answer(async () => {
    const body = await readJsonBody(event.request);
    const services = await getServices();
    return jsonResponse({
      results: await relationshipsBatch(services, body, (failures) =>
        chargeClientAddressUnits(services.rateLimits, event, failures),
      ),
    });
  });
