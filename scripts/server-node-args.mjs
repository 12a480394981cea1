/**
 * The flags node runs the built server with (`node <these> dist/portal/index.js`): `npm start`
 * (scripts/start.mjs), the end-to-end tests' server (scripts/e2e-server.mjs), the cluster
 * (scripts/cluster-lib.mjs), the demo (scripts/demo.ts) and the benchmarks
 * (bench/load/built-server.ts) all take them from here, so what is measured is what runs.
 *
 * `--no-allocation-site-pretenuring`: V8 stops allocating the objects of "long-lived" allocation
 * sites directly in the old generation. Under load it had decided that SvelteKit's request path
 * was such a site, so every request's objects became old-generation garbage for the full
 * collections to find (portal/lib/server/node-flags.ts, docs/performance.md "session 21", and
 * docs/operations.md for running the server without these scripts). The server reports whether it
 * is on (`clearinghouse_v8_allocation_site_pretenuring` in its metrics) and warns at start when it is.
 */
export const serverNodeArgs = Object.freeze(['--no-allocation-site-pretenuring']);
