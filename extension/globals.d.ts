/**
 * Replaced at build time by scripts/build-extension.mjs (Vite `define`), so that branches for
 * other targets are removed from the bundle. Read it only through ./build.
 */
declare const __BUILD_TARGET__: import('./target').BuildTarget;

/** The build-time `CLEARINGHOUSE_URL` (scripts/build-extension.mjs); read it only through ./build. */
declare const __CLEARINGHOUSE_URL__: string;
