/**
 * The operator's command line for the running reference site (admin-endpoint.ts says why it goes
 * to the running site rather than to its files):
 *
 *   npx tsx test/company-site/admin.ts replace-key [--compromised-since <ISO 8601 time>]
 *
 * It reads the URL and token the running site wrote to `<data dir>/admin.json` (the data
 * directory as main.ts picks it: `COMPANY_SITE_DATA`, default test/company-site/data), asks the
 * site, and prints one sentence: the result on stdout (exit code 0), or what went wrong on
 * stderr (1; 2 for a command line it does not understand).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  adminFileName,
  parseInstant,
  type AdminFile,
  type ReplaceKeyAnswer,
} from './admin-endpoint';

/** A parsed command line. */
export type AdminCommand =
  { command: 'replace-key'; compromisedSince?: string; key?: string } | { command: 'help' };

const adminUsage = `Usage:
  npx tsx test/company-site/admin.ts replace-key [--compromised-since <ISO 8601 time>]
  npx tsx test/company-site/admin.ts replace-key --key <key id> --compromised-since <time>

replace-key   adds a new signing key at the clearinghouse, then retires the old one, or
              declares it compromised since the time given (e.g. 2026-12-01T10:00:00Z):
              what it signed since then is void, and the site answers, acknowledges,
              discloses and asks again.
  --key       a key replaced before (retired), found out later to have leaked: only declared
              compromised since the time given; the key signing now stays.

The running site is found through <data dir>/${adminFileName}; the data directory is
COMPANY_SITE_DATA, default test/company-site/data.`;

/** A command line the CLI does not understand (exit code 2). */
export class AdminUsageError extends Error {
  override readonly name = 'AdminUsageError';
  readonly code = 'ERR_ADMIN_USAGE';
}

/**
 * Parses the arguments after the script's name. The time is checked here already (the site
 * checks it again), so a typo is answered even when the site is not running.
 *
 * @throws AdminUsageError for anything else; AdminRequestRefused for a malformed time.
 *
 * @example
 * ```ts
 * parseAdminCommand(['replace-key', '--compromised-since', '2026-12-01T10:00:00Z']);
 * ```
 */
function parseAdminCommand(argv: readonly string[]): AdminCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h')
    return { command: 'help' };
  if (command !== 'replace-key') throw new AdminUsageError(`Unknown command "${command}".`);
  let compromisedSince: string | undefined;
  let key: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = /^--(compromised-since|key)=(.*)$/s.exec(arg);
    const name = eq?.[1] ?? (/^--(compromised-since|key)$/.exec(arg)?.[1] as string | undefined);
    const value = eq !== null ? eq[2]! : i + 1 < rest.length ? rest[++i] : undefined;
    if (name === undefined || value === undefined)
      throw new AdminUsageError(`Unexpected argument "${arg}".`);
    if (name === 'key') key = value;
    else compromisedSince = value;
  }
  if (key !== undefined && compromisedSince === undefined)
    throw new AdminUsageError(
      '--key names a key to declare compromised: give --compromised-since.',
    );
  if (compromisedSince !== undefined) parseInstant(compromisedSince);
  return {
    command,
    ...(compromisedSince === undefined ? {} : { compromisedSince }),
    ...(key === undefined ? {} : { key }),
  };
}

export interface AdminCliOptions {
  /** The running site's data directory. */
  dataDir: string;
  /** Default: global fetch. */
  fetch?: typeof fetch;
  /** One sentence of the result. */
  out: (line: string) => void;
  /** One sentence of what went wrong, or the usage. */
  err: (line: string) => void;
}

/**
 * Runs one command against the running site; resolves to the process's exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runAdmin(process.argv.slice(2), { dataDir, out: console.log, err: console.error });
 * ```
 */
export async function runAdmin(argv: readonly string[], options: AdminCliOptions): Promise<number> {
  const { dataDir, out, err } = options;
  let command: AdminCommand;
  try {
    command = parseAdminCommand(argv);
  } catch (error) {
    err(`${(error as Error).message}\n${adminUsage}`);
    return 2;
  }
  if (command.command === 'help') {
    out(adminUsage);
    return 0;
  }
  const path = join(dataDir, adminFileName);
  let file: AdminFile;
  try {
    file = readAdminFile(path);
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${file.url}/admin/replace-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${file.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(command.compromisedSince === undefined
          ? {}
          : { compromisedSince: command.compromisedSince }),
        ...(command.key === undefined ? {} : { key: command.key }),
      }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : (error as Error).message;
    err(
      `No company site answers at ${file.url} (${why}): is it running with the data directory ${dataDir}?`,
    );
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const detail = typeof body.detail === 'string' ? body.detail : `status ${response.status}`;
    const code = typeof body.error === 'string' ? ` (${body.error})` : '';
    err(`The site did not replace its key: ${detail}${code}`);
    return 1;
  }
  out(sentenceOf(body as ReplaceKeyAnswer));
  return 0;
}

/** The result in one sentence. */
function sentenceOf(answer: ReplaceKeyAnswer): string {
  if (answer.result !== 'replaced')
    return 'Nothing was left to do: no key replacement is under way, and none was made.';
  if (answer.compromisedSince === undefined)
    return `The site now signs with key ${answer.kid}; key ${answer.replacedKid} is retired.`;
  return (
    `The site now signs with key ${answer.kid}; key ${answer.replacedKid} is declared compromised ` +
    `since ${answer.compromisedSince}, so what it signed since then is void: the site answered ` +
    `again the data requests this reopened, acknowledged again the revocations whose ` +
    `acknowledgements it voided, sent again the disclosures and access reports it voided, and ` +
    `made a new grant request if its own was among them.`
  );
}

function readAdminFile(path: string): AdminFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        `There is no ${path}: the company site writes it when it starts. Is it running, with this data directory (COMPANY_SITE_DATA)?`,
      );
    throw new Error(`${path} cannot be read: ${(error as Error).message}`);
  }
  let file: Partial<AdminFile>;
  try {
    file = JSON.parse(text) as Partial<AdminFile>;
  } catch {
    throw new Error(`${path} is not JSON: start the company site again to write it anew.`);
  }
  if (
    typeof file.url !== 'string' ||
    !/^http:\/\/[^/]+$/.test(file.url) ||
    typeof file.token !== 'string'
  )
    throw new Error(`${path} names no URL and token: start the company site again.`);
  return { v: 1, url: file.url, token: file.token };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAdmin(process.argv.slice(2), {
    dataDir:
      process.env.COMPANY_SITE_DATA?.trim() || fileURLToPath(new URL('./data', import.meta.url)),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}
