/** The flag that turns V8's allocation-site pretenuring off (the warning and the metric name it). */
export const noPretenuringFlag = '--no-allocation-site-pretenuring';

/**
 * Whether V8's allocation-site pretenuring is on in this process. The server should run with it
 * off (`node --no-allocation-site-pretenuring dist/portal/index.js`, the command line every
 * launcher takes from `scripts/server-node-args.mjs`).
 *
 * With pretenuring on, V8 watches which allocation sites' objects survive young-generation
 * collections and from then on allocates their objects directly in the old generation. Under load
 * a request's objects live long enough (across a scavenge) that the sites of SvelteKit's request
 * path get pretenured; from then on every request's objects are old-generation garbage, found only
 * by full (mark-compact) collections, and they point at young objects, which every scavenge must
 * then visit. The measurements are in docs/performance.md (session 21).
 *
 * The flag cannot be set through NODE_OPTIONS (Node allows only some V8 flags there), and setting
 * it at run time is what Node's documentation warns against, so this only reads the command line
 * as V8 does: the last of `--allocation-site-pretenuring` / `--no-allocation-site-pretenuring`
 * wins, with one dash or two, `_` for `-` and `--no` without its dash; V8's default is on.
 *
 * @example
 * ```ts
 * allocationSitePretenuring(['--no-allocation-site-pretenuring']); // false
 * allocationSitePretenuring([]); // true (V8's default)
 * ```
 */
export function allocationSitePretenuring(execArgv: readonly string[] = process.execArgv): boolean {
  let on = true;
  for (const arg of execArgv) {
    const match = /^--?(no-?)?allocation-site-pretenuring$/.exec(arg.replaceAll('_', '-'));
    if (match !== null) on = match[1] === undefined;
  }
  return on;
}
