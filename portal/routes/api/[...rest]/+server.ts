import type { RequestHandler } from './$types';
import { problem, problemResponse } from '$lib/server/problem';

/** Unknown API routes answer in problem+json, like every other API error. */
export const fallback: RequestHandler = ({ url }) =>
  problemResponse({
    ...problem(404, 'not-found', 'Not found', `There is no API route at ${url.pathname}.`),
    instance: url.pathname,
  });
