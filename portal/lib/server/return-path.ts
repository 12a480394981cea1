/**
 * Where a page may send the browser back to after a login or a language switch: a page of this
 * site only, never another one (no open redirect, OWASP "Unvalidated Redirects and Forwards").
 *
 * A pattern on the raw text is not enough: browsers strip tabs and newlines from a URL before
 * parsing it (WHATWG URL, https://url.spec.whatwg.org/#concept-basic-url-parser), so
 * `/\t/evil.example` is `//evil.example`, another site; and a newline in a `Location` header makes
 * the `Headers` constructor throw (a 500). So the value is parsed as the browser will parse it,
 * and what is followed is the parsed URL's own, percent-encoded path, query and fragment.
 */

/** A return path longer than this is nobody's page of ours; it goes to the default. */
export const maxReturnPathLength = 2048;

/**
 * The same-origin path (with query and fragment) that `value` leads to, resolved against
 * `origin` as a browser would, or `fallback` for anything else: another origin, another scheme
 * (`javascript:`), a path the browser would read as another host (`//x`, `/\x`, `/\t/x`,
 * `/.//x`), an empty or no string, or more than {@link maxReturnPathLength} characters.
 *
 * @example
 * ```ts
 * returnPath('/account?tab=keys', 'https://ch.example', '/'); // '/account?tab=keys'
 * returnPath('/\t/evil.example', 'https://ch.example', '/'); // '/'
 * returnPath('https://ch.example/me#top', 'https://ch.example', '/'); // '/me#top'
 * ```
 */
export function returnPath(value: unknown, origin: string, fallback: string): string {
  if (typeof value !== 'string' || value === '' || value.length > maxReturnPathLength) {
    return fallback;
  }
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== new URL(origin).origin) return fallback;
  // Dot segments can leave a path that starts with `//` (`/.//evil.example`): as a Location it
  // would be read as another host.
  if (url.pathname.startsWith('//')) return fallback;
  return url.pathname + url.search + url.hash;
}
