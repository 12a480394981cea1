/**
 * JSON compared as data: member order does not count. Pure: no browser API, no I/O.
 */

/**
 * JSON with every object's members sorted: equal data, equal text, whatever the member order.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2] }); // '{"a":[2],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/**
 * True when `a` and `b` hold the same JSON data (an absent member and one set to `undefined`
 * alike, as JSON has neither).
 *
 * @example
 * ```ts
 * sameJson({ a: 1, b: undefined }, { a: 1 }); // true
 * ```
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
