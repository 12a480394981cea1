/**
 * Whether V8's allocation-site pretenuring is on in this process. The server should run with it
 * off (`node --no-allocation-site-pretenuring dist/portal/index.js`, what `npm start`, the
 * benchmarks, the cluster and the end-to-end tests do through `scripts/server-node-args.mjs`).
 *
 * With pretenuring on, V8 watches which allocation sites' objects survive young-generation
 * collections and from then on allocates their objects directly in the old generation. Under load
 * a request's objects live long enough (tens of milliseconds, across a scavenge) that the sites of
 * SvelteKit's request path get pretenured; from then on every request's objects are old-generation
 * garbage, collected only by full (mark-compact) collections, and they point at young objects, which
 * every scavenge must then visit. Measured in session 21 (docs/performance.md): with it off the old
 * generation filled half as fast (19 against 40-42 MB a second over a `ping,pinghalf,grants,half`
 * run), scavenges paused 2.1-2.2 instead of 3.0-3.1 ms, and the trivial endpoint's maximum rose by
 * 8-10 %.
 *
 * The flag cannot be set through NODE_OPTIONS (Node allows only some V8 flags there), and setting
 * it at run time is what Node's documentation warns against, so this module only reads the command
 * line: the last of `--allocation-site-pretenuring` / `--no-allocation-site-pretenuring` (V8 also
 * reads `_` for `-` and `--no` without the dash) wins, and V8's default is on.
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
    const match = /^--(no-?)?allocation-site-pretenuring$/.exec(arg.replaceAll('_', '-'));
    if (match !== null) on = match[1] === undefined;
  }
  return on;
}

/** The flag that turns it off, as the launchers pass it and the warnings name it. */
export const noPretenuringFlag = '--no-allocation-site-pretenuring';
