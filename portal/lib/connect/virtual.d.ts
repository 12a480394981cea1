/** The text of /connect.js, provided by the Vite plugin in ./bundle.ts. */
declare module 'virtual:connect-script' {
  const source: string;
  export default source;
}
