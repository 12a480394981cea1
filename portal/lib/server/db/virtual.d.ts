/** The SQLite writer thread's code, bundled by writer-thread-bundle.ts (a Vite plugin). */
declare module 'virtual:sqlite-writer-thread' {
  const source: string;
  export default source;
}
