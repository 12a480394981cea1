import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { isLocale } from '$protocol/i18n';
import { readFormBody } from '$lib/server/auth/body';
import { returnPath } from '$lib/server/return-path';

/** A language and a path fit in far less; anyone may post here, so it reads no more. */
const languageFormLimit = 4 * 1024;

/**
 * Switches the language without JavaScript: a plain form posts `lang` and the page to
 * return to. Only pages of this site are followed (return-path.ts: no open redirect).
 */
export const POST: RequestHandler = async ({ request, cookies, url }) => {
  // A form that is too large or no form at all changes nothing and returns to the start page.
  const form = await readFormBody(request, languageFormLimit).catch(() => undefined);
  const lang = form?.get('lang');
  const back = form?.get('redirect');
  if (isLocale(lang)) {
    cookies.set('lang', lang, {
      path: '/',
      httpOnly: false,
      sameSite: 'lax',
      maxAge: 60 * 60 * 24 * 365,
    });
  }
  redirect(303, returnPath(back, url.origin, '/'));
};

/**
 * Opening `/language` itself (a bookmark, a typed or shared address) has no form to read: the
 * person goes back to the page they came from when it is a page of this site (the `Referer`, which
 * the portal sends to itself: security-headers.ts), else to the start page, instead of a bare 405
 * in English. A GET changes nothing, so no cookie is set.
 */
export const GET: RequestHandler = ({ request, url }) => {
  const back = returnPath(request.headers.get('referer'), url.origin, '/');
  // A Referer of `/language` itself would send the browser round in a circle.
  redirect(303, new URL(back, url.origin).pathname === url.pathname ? '/' : back);
};
