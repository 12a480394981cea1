/**
 * The Assistant offered for download on `/` (docs/operations.md "The Assistant's downloads"): the
 * shipped builds as `assistant-chromium.zip` and `assistant-firefox.zip`, which
 * `npm run build:extension` writes beside the unpacked builds in dist/extension/, or which an
 * operator puts into `ASSISTANT_DOWNLOADS_DIR`. Without them `/` says to ask the operator.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The browsers the Assistant is built for, each one download. */
export const assistantBrowsers = ['chromium', 'firefox'] as const;
export type AssistantBrowser = (typeof assistantBrowsers)[number];

/** The file name of a browser's download. */
export function assistantFileName(browser: AssistantBrowser): string {
  return `assistant-${browser}.zip`;
}

/** Where the downloads are: `ASSISTANT_DOWNLOADS_DIR`, else dist/extension/ under the working directory. */
export function assistantDownloadsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ASSISTANT_DOWNLOADS_DIR?.trim() || join(process.cwd(), 'dist', 'extension');
}

/**
 * Which browsers' downloads are there right now.
 *
 * @example
 * ```ts
 * availableDownloads(); // { chromium: true, firefox: true } after `npm start`
 * ```
 */
export function availableDownloads(
  dir = assistantDownloadsDir(),
): Record<AssistantBrowser, boolean> {
  return {
    chromium: existsSync(join(dir, assistantFileName('chromium'))),
    firefox: existsSync(join(dir, assistantFileName('firefox'))),
  };
}

/**
 * The bytes of the download named `name` (`assistant-<browser>.zip`), `undefined` for any other
 * name or a file that is not there.
 *
 * @example
 * ```ts
 * const zip = await readDownload('assistant-firefox.zip');
 * ```
 */
export async function readDownload(
  name: string,
  dir = assistantDownloadsDir(),
): Promise<Uint8Array | undefined> {
  const browser = assistantBrowsers.find((b) => assistantFileName(b) === name);
  if (browser === undefined) return undefined;
  try {
    return await readFile(join(dir, assistantFileName(browser)));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}
