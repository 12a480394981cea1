/**
 * The built server's first module: adapter-node's entry (`dist/portal/index.js`) imports it before
 * its handler module (SvelteKit's server instrumentation, `kit.experimental.instrumentation` in
 * svelte.config.js). adapter-node reads `PORT`, `ORIGIN` and `SHUTDOWN_TIMEOUT` when that module
 * loads, before the `init` hook's start check (instance.ts `checkStartSettings`) runs: an ORIGIN
 * that is no http(s) URL threw its own error there, with a stack, and `SHUTDOWN_TIMEOUT=abc` became
 * NaN. So they are checked here first, with the start check's sentences (settings.ts), and a value
 * the server cannot use ends it as every refused start ends (docs/operations.md "Settings the server
 * cannot read, and how it ends").
 */
import { adapterSettingsProblem } from '$lib/server/settings';

const problem = adapterSettingsProblem(process.env);
if (problem !== undefined) {
  process.stderr.write(`The clearinghouse cannot start: ${problem}\n`);
  process.exit(1);
}
