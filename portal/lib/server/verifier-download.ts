/**
 * The auditor's verifier offered as one file on /audit (docs/log.md "The auditor's verifier"):
 * `clearinghouse-verify.mjs`, which `npm run build:portal` writes into dist/verifier/
 * (scripts/build-verifier.mjs), or the file an operator names in `VERIFIER_DOWNLOAD_PATH`. Without
 * it /audit offers only the way from the source code, and the download answers 404 saying how to
 * build it.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The name the file is offered under (`/audit/clearinghouse-verify.mjs`). */
export const verifierFileName = 'clearinghouse-verify.mjs';

/**
 * Where the file is: `VERIFIER_DOWNLOAD_PATH`, else dist/verifier/clearinghouse-verify.mjs under
 * the working directory (the built server runs from the project's folder, as `npm start` starts it).
 *
 * @example
 * ```ts
 * verifierFilePath({ VERIFIER_DOWNLOAD_PATH: '/srv/clearinghouse-verify.mjs' });
 * ```
 */
export function verifierFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.VERIFIER_DOWNLOAD_PATH?.trim() || join(process.cwd(), 'dist', 'verifier', verifierFileName)
  );
}

/** The file as served, and what /audit says about it. */
export interface VerifierFile {
  bytes: Uint8Array;
  /** Lower-case hex SHA-256 of `bytes`: what `sha256sum` prints for the downloaded file. */
  sha256: string;
  size: number;
}

/** The last file read, by path: a new build (another size, time or inode) is read again. */
let cached: { path: string; stamp: string; file: VerifierFile } | undefined;

/**
 * The file at `path`, with its SHA-256; `undefined` when it has not been built. Read from disk
 * only when it changed since the last call (the page shows its hash on every view).
 *
 * @throws Error for any failure to read other than a file that is not there.
 * @example
 * ```ts
 * const file = await readVerifierFile(); // undefined before `npm run build:portal`
 * ```
 */
export async function readVerifierFile(
  path: string = verifierFilePath(),
): Promise<VerifierFile | undefined> {
  try {
    const before = await stat(path);
    if (!before.isFile()) return undefined;
    const stamp = `${before.ino}:${before.size}:${before.mtimeMs}`;
    if (cached?.path === path && cached.stamp === stamp) return cached.file;
    const bytes = await readFile(path);
    const file: VerifierFile = {
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.byteLength,
    };
    // The build replaces the file in one rename; remember it only when it did not change meanwhile.
    const after = await stat(path);
    if (`${after.ino}:${after.size}:${after.mtimeMs}` === stamp && after.size === file.size) {
      cached = { path, stamp, file };
    }
    return file;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}
