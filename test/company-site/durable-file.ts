/**
 * How the reference company site writes the files it must still have after a crash or a power
 * loss (its key, `state.json` and the store): the new content goes to a temporary file that is
 * flushed to the disk (fsync) before it is renamed over the old one, and the directory is flushed
 * after the rename. Without the first fsync a power loss can leave the renamed file empty (the
 * rename reached the disk, the data did not: ext4 `data=writeback`, XFS); without the second the
 * rename itself may be lost. See fsync(2) and rename(2), and "Files are hard"
 * (https://danluu.com/file-consistency/).
 *
 * A journal (store.ts) grows by {@link appendToFile} instead: only the new line is written and
 * flushed, and bytes a failed append left behind are cut off before the next one, so a torn line
 * can only ever be the last.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `text` as one step: after a crash the file holds the old content or the
 * new one, never a part of either.
 *
 * @throws the file system's error (e.g. `ENOSPC`); the old file is then left as it was.
 *
 * @example
 * ```ts
 * replaceFile('data/state.json', `${JSON.stringify(state, null, 2)}\n`);
 * ```
 */
export function replaceFile(path: string, text: string): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true });
  const temporary = `${path}.tmp`;
  writeAndSync(temporary, 'w', text);
  renameSync(temporary, path);
  syncDirectory(directory);
}

/**
 * Creates `path` with `text`, failing if it exists (`EEXIST`): two starts never write two keys.
 * Flushed like {@link replaceFile}; a failed write removes the half-written file.
 *
 * @example
 * ```ts
 * createFile('data/company-key.json', JSON.stringify(keyFile));
 * ```
 */
export function createFile(path: string, text: string): void {
  writeAndSync(path, 'wx', text, () => unlinkSync(path));
  syncDirectory(dirname(path));
}

/** The file is shorter than the bytes its writer knows it wrote: something else changed it. */
export class FileShrank extends Error {
  override readonly name = 'FileShrank';
  readonly code = 'ERR_FILE_SHRANK';
}

/**
 * Appends `text` to `path`, of which the caller wrote `length` bytes in full, and flushes it to
 * the disk: once this returns, the text survives a power loss. Bytes past `length` (a torn part
 * an earlier failed append could not cut off) go first, and a failed append cuts its own part
 * off again, so a later line never continues a torn one. The file must exist: create it with
 * {@link replaceFile}, which also flushes its directory entry (an append flushes only the file).
 *
 * @returns the file's length after the append, to pass as `length` next time.
 * @throws the file system's error (`ENOENT` when the file is missing, `ENOSPC`), or
 *   {@link FileShrank} when the file holds less than `length` bytes.
 *
 * @example
 * ```ts
 * replaceFile('data/journal.jsonl', '');
 * let length = 0;
 * length = appendToFile('data/journal.jsonl', `${JSON.stringify(change)}\n`, length);
 * ```
 */
export function appendToFile(path: string, text: string, length: number): number {
  const bytes = Buffer.from(text, 'utf8');
  const fd = openSync(path, 'r+');
  try {
    const { size } = fstatSync(fd);
    if (size < length)
      throw new FileShrank(`${path} holds ${size} bytes, fewer than the ${length} written`);
    if (size > length) ftruncateSync(fd, length);
    try {
      // Positioned writes: where the line goes does not depend on the file's offset.
      let done = 0;
      while (done < bytes.length)
        done += writeSync(fd, bytes, done, bytes.length - done, length + done);
      fsyncSync(fd);
    } catch (error) {
      try {
        ftruncateSync(fd, length);
      } catch {
        // Left for the next append to cut off (above); a start reads a torn last line as absent.
      }
      throw error;
    }
  } finally {
    closeSync(fd);
  }
  return length + bytes.length;
}

/** Writes and flushes `path`; `undo` runs when the file was opened but not written in full. */
function writeAndSync(path: string, flags: 'w' | 'wx', text: string, undo?: () => void): void {
  const fd = openSync(path, flags, 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    undo?.();
    throw error;
  }
  closeSync(fd);
}

/** Flushes a directory's entries (the rename or the new file) to the disk. */
function syncDirectory(directory: string): void {
  let fd: number;
  try {
    fd = openSync(directory, 'r');
  } catch (error) {
    // Windows cannot open a directory (EISDIR, EPERM); its file system orders the rename itself.
    if (['EISDIR', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL): nothing more can be done there.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    closeSync(fd);
  }
}
