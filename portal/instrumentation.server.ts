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

// A variable set but empty (a compose file's `ORIGIN: ${ORIGIN}` with ORIGIN unset) is unset:
// adapter-node reads '' as a value (an ORIGIN it throws at, a port it cannot listen on, a NaN
// timeout), while every check here takes it as unset.
for (const name of ['ORIGIN', 'PORT', 'HOST', 'SOCKET_PATH', 'SHUTDOWN_TIMEOUT']) {
  if (process.env[name]?.trim() === '') delete process.env[name];
}

const problem = adapterSettingsProblem(process.env);
if (problem !== undefined) {
  process.stderr.write(`The clearinghouse cannot start: ${problem}\n`);
  process.exit(1);
}

/**
 * adapter-node's start module, which `index.js` imports right after this one: it creates the HTTP
 * server and listens, and exports polka's `server` (its `server` is Node's). Its `listening` event
 * gives the log's line that the server listens (instance.ts `announceListening`); nothing in the
 * `init` hook can see the server, which listens only after `init` is done. Importing it here
 * shares index.js's module (the same URL); a failed start is reported by index.js's own import.
 */
const adapterStart = './start.js';
void import(/* @vite-ignore */ new URL(adapterStart, import.meta.url).href)
  .then(async (start: { server?: { server?: import('node:http').Server } }) => {
    const http = start.server?.server;
    if (http === undefined) return;
    const { announceListening } = await import('$lib/server/instance');
    const announce = () => void announceListening(http.address());
    if (http.listening) announce();
    else http.once('listening', announce);
  })
  .catch(() => undefined);
