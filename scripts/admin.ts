/**
 * `npm run admin -- <command>`: what only whoever runs the clearinghouse may do (issue 4, docs/api.md
 * "People"). It works on the same database the portal uses (`DATABASE_URL`, else
 * `DATABASE_PATH`, else ./data/clearinghouse.db: `resolveDatabaseTarget`) and the same public
 * `ORIGIN` (default http://localhost:$PORT, else :3000: `logConfigFromEnv`), so the links it
 * prints open on the running portal.
 *
 *   enroll-regulator --name "A. Muster"   a one-time enrolment link for a new regulator
 *   recover-person --person pe_…          a one-time recovery link; retires the person's key now
 *                                         (names the person and the kids it retired)
 *   list-people                           every person and open enrolment link: name, role,
 *                                         company, status, keys (no secrets)
 *   cancel-enrolment <link id or token>   voids an unused enrolment link
 *   backup <file> [--force]               the database and the log's keys, consistent while it
 *                                         runs; --force replaces an existing file
 *   restore <file>                        into a fresh database (and key paths), then migrated
 *     [--published-checkpoint <file>]     the log's last published checkpoint (signed note, or the
 *                                         verifier's state file): refused when the backup is older
 *     [--accept-fork]                     restore all the same (the log forks; tell the auditors)
 *
 * The link goes to stdout alone on its line (so scripts can read it); everything else to stderr.
 * Ctrl+C (SIGINT) or SIGTERM during a backup or restore stops it and undoes what it wrote (exit
 * code 130 or 143 and a sentence saying so); another one a second later ends the process at once.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProtocolError } from '../protocol/errors';
import { ready } from '../protocol/sodium';
import { openDatabase, type ClearinghouseDb } from '../portal/lib/server/db/database';
import { createDurableWriter } from '../portal/lib/server/db/durable-writer';
import { migrateToLatest } from '../portal/lib/server/db/migrate';
import {
  createPeopleService,
  type EnrolmentLink,
  type PersonListing,
  type PersonView,
} from '../portal/lib/server/people';
import {
  BackupError,
  BackupInterruptedError,
  backupKeyVariables,
  checkRestoreFile,
  restoreBackup,
  writeBackup,
  type BackupKeyPaths,
  type BackupProgress,
  type BackupSummary,
} from '../portal/lib/server/backup';
import { logConfigFromEnv } from '../portal/lib/server/log/clearinghouse-log';
import { isDatabaseUnreachable } from '../portal/lib/server/db/unreachable';
import { maxNameLength, parseDisplayName } from '../portal/lib/people-name';

/** A parsed command line. */
export type AdminCommand =
  | { command: 'enroll-regulator'; name: string }
  | { command: 'recover-person'; personId: string }
  | { command: 'list-people' }
  | { command: 'cancel-enrolment'; link: string }
  | { command: 'backup'; file: string; force?: true }
  | { command: 'restore'; file: string; publishedCheckpoint?: string; acceptFork?: true }
  | { command: 'help' };

const usage = `Usage:
  npm run admin -- enroll-regulator --name "<full name>"
  npm run admin -- recover-person --person <pe_…>
  npm run admin -- list-people
  npm run admin -- cancel-enrolment <link id, token or link>
  npm run admin -- backup <file> [--force]
  npm run admin -- restore <file> [--published-checkpoint <file>] [--accept-fork]
  npm run admin -- --help

backup and restore use DATABASE_URL / DATABASE_PATH and LOG_KEY_PATH / WEBHOOK_KEY_PATH.
backup refuses to replace an existing file unless --force is given.
restore refuses a backup older than the --published-checkpoint (the log's last published
checkpoint, or a verifier state file holding it) unless --accept-fork is given.`;

/**
 * `--help`: what each command does, one line each, then {@link usage}, and which address the
 * links go to (`env`'s ORIGIN, else PORT, as the server takes its own: logConfigFromEnv).
 *
 * @example
 * ```ts
 * adminHelp({ PORT: '3400' }); // '…The links … go to http://localhost:3400 now…'
 * ```
 */
export function adminHelp(env: NodeJS.ProcessEnv = process.env): string {
  const origin = serverOrigin(env);
  return `npm run admin -- <command>: what only whoever runs the clearinghouse may do.

  enroll-regulator   prints a one-time link with which a new regulator enrols a passkey
  recover-person     prints a one-time link for a person who lost their passkey; retires it now
  list-people        lists every person and open enrolment link: name, role, company, status, keys
  cancel-enrolment   voids an enrolment link nobody has used yet (its id from list-people)
  backup             writes the database and the log's and webhook's keys into one file (mode 0600)
  restore            loads a backup into a new, empty database and key paths

${usage}

The links go to the clearinghouse's public address: ORIGIN, else http://localhost:$PORT, else
http://localhost:3000, as the server takes it; run this with the ORIGIN (or PORT) the server has.
The links go to ${origin} now.`;
}

/**
 * The server's public origin as the server takes it (logConfigFromEnv: ORIGIN, else
 * http://localhost:$PORT, else http://localhost:3000), without the checks of LOG_ORIGIN.
 */
function serverOrigin(env: NodeJS.ProcessEnv): string {
  return (env.ORIGIN?.trim() || `http://localhost:${env.PORT?.trim() || '3000'}`).replace(
    /\/+$/,
    '',
  );
}

/** Whether neither ORIGIN nor PORT is set: the links then go to the default port. */
function originUnset(env: NodeJS.ProcessEnv): boolean {
  return !env.ORIGIN?.trim() && !env.PORT?.trim();
}

/**
 * Why `--name` is refused, by the clearinghouse's one rule for names (portal/lib/people-name.ts),
 * which the server would apply after the command opened the database ("The field name is missing
 * or malformed", without the rule); undefined for a name it takes.
 */
function nameRefusal(name: string): string | undefined {
  const { problem } = parseDisplayName(name);
  if (problem === null) return undefined;
  if (problem === 'missing') return `--name is required.\n${usage}`;
  if (problem === 'tooLong') {
    return `--name has ${name.trim().length} characters; a name may have at most ${maxNameLength}.`;
  }
  return (
    '--name holds a control or format character (a tab, line break, escape or invisible ' +
    'direction mark, say), which a name may not hold: give it as plain text on one line.'
  );
}

/**
 * Parses the arguments after `npm run admin --`.
 *
 * @throws Error with the usage text for anything else.
 * @example
 * ```ts
 * parseAdminArgs(['enroll-regulator', '--name', 'A. Muster']); // { command: 'enroll-regulator', name: 'A. Muster' }
 * ```
 */
export function parseAdminArgs(argv: readonly string[]): AdminCommand {
  const [command, ...rest] = argv;
  if (command === 'restore') return parseRestoreArgs(rest);
  if (command === 'backup') {
    const force = rest.includes('--force');
    const files = rest.filter((arg) => arg !== '--force');
    if (files.length !== 1 || files[0]!.startsWith('--') || files[0]!.trim() === '') {
      throw new Error(`${command} needs exactly one file name.\n${usage}`);
    }
    return { command, file: files[0]!, ...(force ? { force: true as const } : {}) };
  }
  if (command === 'list-people') {
    if (rest.length > 0) throw new Error(`Unexpected argument "${rest[0]}".\n${usage}`);
    return { command };
  }
  if (command === 'cancel-enrolment') {
    if (rest.length !== 1 || rest[0]!.startsWith('--') || rest[0]!.trim() === '') {
      throw new Error(
        `${command} needs exactly one link id (as list-people shows it), token or link.\n${usage}`,
      );
    }
    return { command, link: rest[0]!.trim() };
  }
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = /^--([a-z-]+)=(.*)$/s.exec(arg);
    if (eq !== null) options.set(eq[1]!, eq[2]!);
    else if (/^--[a-z-]+$/.test(arg) && i + 1 < rest.length) options.set(arg.slice(2), rest[++i]!);
    else throw new Error(`Unexpected argument "${arg}".\n${usage}`);
  }
  if (command === undefined || command === 'help' || command === '--help') {
    return { command: 'help' };
  }
  if (command === 'enroll-regulator') {
    const name = options.get('name');
    if (name === undefined) throw new Error(`--name is required.\n${usage}`);
    const refusal = nameRefusal(name);
    if (refusal !== undefined) throw new Error(refusal);
    return { command, name: name.trim() };
  }
  if (command === 'recover-person') {
    const personId = options.get('person');
    if (personId === undefined) throw new Error(`--person is required.\n${usage}`);
    return { command, personId };
  }
  throw new Error(`Unknown command "${command}".\n${usage}`);
}

/** `restore <file> [--published-checkpoint <file>] [--accept-fork]`, in any order. */
function parseRestoreArgs(rest: readonly string[]): AdminCommand {
  let file: string | undefined;
  let publishedCheckpoint: string | undefined;
  let acceptFork = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = /^--published-checkpoint=(.*)$/s.exec(arg);
    if (arg === '--accept-fork') acceptFork = true;
    else if (eq !== null || arg === '--published-checkpoint') {
      const value = eq !== null ? eq[1] : rest[++i];
      if (value === undefined || value.startsWith('--') || value.trim() === '') {
        throw new Error(`--published-checkpoint needs a file name.\n${usage}`);
      }
      publishedCheckpoint = value;
    } else if (arg.startsWith('--') || arg.trim() === '' || file !== undefined) {
      throw new Error(`restore needs exactly one file name.\n${usage}`);
    } else file = arg;
  }
  if (file === undefined) throw new Error(`restore needs exactly one file name.\n${usage}`);
  return {
    command: 'restore',
    file,
    ...(publishedCheckpoint === undefined ? {} : { publishedCheckpoint }),
    ...(acceptFork ? { acceptFork: true as const } : {}),
  };
}

/**
 * The signed checkpoint in `text`: the note itself, or the `checkpoint` of the auditor's verifier
 * state file (scripts/verify.ts), which keeps the last one it verified.
 *
 * @example
 * ```ts
 * publishedCheckpointText(readFileSync('data/verifier-state.json', 'utf8')); // 'localhost:3000/log\n…'
 * ```
 */
export function publishedCheckpointText(text: string): string {
  try {
    const value = JSON.parse(text) as { checkpoint?: unknown } | null;
    if (typeof value?.checkpoint === 'string') return value.checkpoint;
  } catch {
    // Not JSON: the note itself.
  }
  return text;
}

/** A link the admin command made; for a recovery, the person it is for (as before it). */
export type AdminLink = EnrolmentLink & { person: PersonView | null };

/**
 * Runs a parsed command that makes a link on a migrated database and returns the link (none for
 * `help`).
 *
 * @example
 * ```ts
 * const link = await runAdmin({ command: 'enroll-regulator', name: 'A. Muster' }, cdb, 'http://localhost:3000');
 * console.log(link?.link);
 * ```
 */
export async function runAdmin(
  command: Extract<AdminCommand, { command: 'enroll-regulator' | 'recover-person' | 'help' }>,
  cdb: ClearinghouseDb,
  origin: string,
  now: () => number = Date.now,
): Promise<AdminLink | undefined> {
  if (command.command === 'help') return undefined;
  return withPeople(cdb, origin, now, async (people) => {
    if (command.command === 'enroll-regulator') {
      const link = await people.createEnrolment({
        role: 'regulator',
        name: command.name,
        createdBy: 'admin',
      });
      return { ...link, person: null };
    }
    const person = await people.get(command.personId);
    const link = await people.createEnrolment({
      role: person.role,
      companyId: person.companyId,
      personId: person.id,
      createdBy: 'admin',
    });
    return { ...link, person };
  });
}

/** The people service on `cdb` for the length of `use`. */
async function withPeople<T>(
  cdb: ClearinghouseDb,
  origin: string,
  now: () => number,
  use: (people: ReturnType<typeof createPeopleService>) => Promise<T>,
): Promise<T> {
  // The people service never writes signed messages; the writer only completes its context.
  const writer = createDurableWriter(cdb);
  try {
    return await use(createPeopleService({ cdb, writer, origin: origin.replace(/\/+$/, ''), now }));
  } finally {
    await writer.close();
  }
}

/**
 * `list-people`: every person not removed and every open enrolment link for a new one
 * (people.ts `listAll`), as {@link peopleTable} prints them.
 */
export function listPeople(
  cdb: ClearinghouseDb,
  origin: string,
  now: () => number = Date.now,
): Promise<PersonListing[]> {
  return withPeople(cdb, origin, now, (people) => people.listAll());
}

/**
 * `cancel-enrolment`: voids the unused link `link` names (its id as list-people prints it, its
 * token, or the link itself) and says what it was for.
 *
 * @throws ProtocolError `ERR_ENROLMENT_UNKNOWN`, `ERR_ENROLMENT_USED` or `ERR_ENROLMENT_EXPIRED`,
 *   each with a sentence.
 */
export async function cancelEnrolment(
  cdb: ClearinghouseDb,
  link: string,
  origin: string,
  now: () => number = Date.now,
): Promise<string> {
  const cancelled = await withPeople(cdb, origin, now, (people) => people.cancelEnrolment(link));
  const whom =
    cancelled.recover !== null
      ? `the recovery of ${cancelled.recover}`
      : `a new ${cancelled.role === 'regulator' ? 'regulator' : `staff member of ${cancelled.companyId}`}${cancelled.name === null ? '' : ` (${printable(cancelled.name)})`}`;
  const made = `made by ${cancelled.createdBy} on ${new Date(cancelled.createdAt).toISOString()}`;
  const after =
    cancelled.recover !== null
      ? ` That person has no signing key until they enrol again: npm run admin -- recover-person --person ${cancelled.recover} makes a new link.`
      : '';
  return `Cancelled the enrolment link ${cancelled.id} for ${whom}, ${made}: nobody can enrol with it any more.${after}`;
}

/**
 * Text the database holds, for a terminal: a control or format character (an escape sequence
 * in a company's name, say) as U+FFFD, so that nothing read from the database drives the terminal.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD');
}

const statusWords: Record<PersonListing['status'], string> = {
  enrolled: 'enrolled',
  'recovery-pending': 'recovery pending',
  'no-key': 'no key',
  invited: 'invited',
};

/**
 * `list-people`'s table: one line per person or open link, in columns (status, role, name,
 * company, keys, person, link), with a header; no token, passkey or key material.
 *
 * @example
 * ```ts
 * peopleTable(await listPeople(cdb, origin));
 * // 'status    role       name        company  keys  person    link\nenrolled  regulator  A. Muster  -  1  pe_…  -'
 * ```
 */
export function peopleTable(listings: readonly PersonListing[]): string {
  const rows = listings.map((entry) => [
    statusWords[entry.status],
    entry.role,
    entry.name === null ? '(named at enrolment)' : printable(entry.name),
    entry.companyId === null
      ? '-'
      : entry.companyName === null
        ? entry.companyId
        : `${printable(entry.companyName)} (${entry.companyId})`,
    String(entry.keys),
    entry.personId ?? '-',
    entry.linkId === null
      ? '-'
      : `${entry.linkId} (valid until ${new Date(entry.linkExpiresAt!).toISOString()})`,
  ]);
  const header = ['status', 'role', 'name', 'company', 'keys', 'person', 'link'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  '),
    )
    .join('\n');
}

/**
 * The sentence before a recovery link: whose it is and which signing keys it retired (by kid),
 * so that the operator sees it went to the right person and what stops signing now.
 */
export function recoveryNotice(link: AdminLink, until: string, where = ''): string {
  const person = link.person!;
  const who = `${printable(person.name)} (${person.id}, ${person.role === 'regulator' ? 'regulator' : `staff of ${person.companyId}`})`;
  const retired =
    link.retiredKids.length === 0
      ? 'They had no current signing key (an earlier recovery retired it); their passkeys and sessions are retired now'
      : `Retired now: their signing key${link.retiredKids.length === 1 ? '' : 's'} ${link.retiredKids.join(', ')}, and their passkeys and sessions`;
  return `One-time recovery link for ${who}, valid until ${until}. ${retired}${where}:`;
}

const keyRoles = [
  { role: 'log', name: 'log signing key', path: 'logKeyPath' },
  { role: 'webhook', name: 'webhook signing key', path: 'webhookKeyPath' },
] as const;

/**
 * The sentences `backup` and `restore` end with: what was copied, and for each key file whether
 * the backup holds it (or the restore installed it), with its variable and path. A backup leaves
 * out only a key the database does not need yet (backup.ts refuses otherwise).
 *
 * @example
 * ```ts
 * backupReport('backup', summary, cdb, 'b.jsonl.gz', { logKeyPath, webhookKeyPath });
 * // 'Backed up 812 rows of 31 tables of the sqlite database at … to b.jsonl.gz. It holds the log
 * //  signing key (LOG_KEY_PATH: /srv/ch/data/log-key.json). It holds the webhook …'
 * ```
 */
export function backupReport(
  command: 'backup' | 'restore',
  summary: BackupSummary,
  cdb: Pick<ClearinghouseDb, 'dialect' | 'location'>,
  file: string,
  keyPaths: BackupKeyPaths,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const sentences = [
    command === 'backup'
      ? `Backed up ${summary.rows} rows of ${summary.tables} tables of the ${cdb.dialect} database at ${cdb.location} to ${resolve(file)}.`
      : `Restored ${summary.rows} rows of ${summary.tables} tables into the ${cdb.dialect} database at ${cdb.location}.`,
  ];
  for (const { role, name, path } of keyRoles) {
    const where = `${backupKeyVariables[role]}: ${resolve(keyPaths[path])}`;
    const held = summary.keys.includes(role);
    if (command === 'backup') {
      sentences.push(
        held
          ? `It holds the ${name} (${where}).`
          : `It holds no ${name}: there was none (${where}), and the database needs none yet.`,
      );
    } else {
      sentences.push(held ? `Installed the ${name} (${where}).` : `The backup held no ${name}.`);
    }
  }
  const log = summary.log;
  if (command === 'restore') {
    sentences.push(
      log === undefined
        ? 'The backup holds no log checkpoint.'
        : `The restored log has ${log.size} entries (root ${log.rootHash}) and goes on from the ` +
            'checkpoint below. Any checkpoint this log published with a larger size (or ' +
            `another root at size ${log.size}) will be contradicted by the entries it appends ` +
            'next: verifiers that saw one will report a fork.',
    );
    if (log?.contradicts !== undefined) {
      sentences.push(
        `It contradicts the published checkpoint of size ${log.contradicts.size} (root ` +
          `${log.contradicts.rootHash}), restored with --accept-fork: tell the log's auditors.`,
      );
    }
  }
  sentences.push(
    command === 'restore'
      ? `Start the clearinghouse and run npm run verify -- --url ${verifyUrl(summary, env)} --full to check its log.`
      : summary.keys.length > 0
        ? 'Whoever holds the file can sign with its keys: keep it like the keys.'
        : '',
  );
  if (summary.removedPartials !== undefined) {
    sentences.push(
      command === 'backup'
        ? 'Removed what earlier backups to this file left when their process was killed (partial ' +
            `files, which held the keys): ${summary.removedPartials.join(', ')}.`
        : 'Removed what an earlier restore left when its process was killed (key files under ' +
            `temporary names): ${summary.removedPartials.join(', ')}.`,
    );
  }
  const text = sentences.filter((sentence) => sentence !== '').join(' ');
  return command === 'restore' && log !== undefined ? `${text}\n\n${log.checkpoint}` : text;
}

/**
 * The clearinghouse URL `npm run verify` is to check after a restore: the server's public origin
 * (ORIGIN, else http://localhost:$PORT), or the restored log's own origin (`<host>/log`, the
 * first line of its checkpoint) when neither is set.
 */
export function verifyUrl(summary: BackupSummary, env: NodeJS.ProcessEnv = process.env): string {
  if (!originUnset(env)) return serverOrigin(env);
  const logOrigin = summary.log?.checkpoint.split('\n', 1)[0];
  const host = logOrigin?.endsWith('/log') === true ? logOrigin.slice(0, -'/log'.length) : '';
  if (host === '') return 'http://localhost:3000';
  return `${/^(localhost|127\.|\[::1\])/.test(host) ? 'http' : 'https'}://${host}`;
}

/**
 * The sentence for a database that cannot be reached, naming the setting that points to it:
 * the driver's message alone ("connect ECONNREFUSED 127.0.0.1:3499") says neither what it
 * tried to reach nor where that is set. Undefined for any other error.
 */
export function unreachableDatabaseSentence(
  error: unknown,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const url = env.DATABASE_URL;
  if (url === undefined || url === '' || !isDatabaseUnreachable(error)) return undefined;
  let where = 'DATABASE_URL';
  try {
    const parsed = new URL(url);
    where = `${parsed.host}${parsed.pathname} (DATABASE_URL)`;
  } catch {
    // The server refuses a malformed URL with its own sentence; here only the variable is named.
  }
  const reason = error instanceof Error ? error.message : String(error);
  return (
    `The PostgreSQL database at ${where} cannot be reached: ${reason}. Start PostgreSQL, or set ` +
    "DATABASE_URL to the clearinghouse's database (unset, the SQLite file at DATABASE_PATH is used)."
  );
}

/**
 * `backup` and `restore`, with a progress line on stderr (a large database takes a while).
 * `open` opens the database only once a restore's refusals that need none have passed
 * ({@link checkRestoreFile}): a SQLite database and its folder would be created by then.
 */
async function runBackupCommand(
  command: Extract<AdminCommand, { command: 'backup' | 'restore' }>,
  open: () => Promise<ClearinghouseDb>,
): Promise<void> {
  const { logKeyPath, webhookKeyPath } = logConfigFromEnv();
  const progress = (p: BackupProgress) => {
    if (process.stderr.isTTY) {
      process.stderr.write(
        `\r${command.command}: table ${p.tablesDone}/${p.tables} (${p.table}: ${p.rows} rows)\u001b[K`,
      );
    }
  };
  const keyPaths = { logKeyPath, webhookKeyPath };
  const signal = stopOnSignals();
  let publishedCheckpoint: string | undefined;
  if (command.command === 'restore') {
    await checkRestoreFile(command.file, keyPaths);
    if (command.publishedCheckpoint !== undefined) {
      publishedCheckpoint = readPublishedCheckpoint(command.publishedCheckpoint);
    }
  }
  const cdb = await open();
  try {
    const summary =
      command.command === 'backup'
        ? await writeBackup(cdb, keyPaths, command.file, progress, {
            force: command.force === true,
            signal,
          })
        : await restoreBackup(cdb, keyPaths, command.file, progress, {
            ...(publishedCheckpoint === undefined ? {} : { publishedCheckpoint }),
            ...(command.acceptFork === true ? { acceptFork: true } : {}),
            signal,
          });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.error(
      backupReport(command.command, summary, cdb, command.file, { logKeyPath, webhookKeyPath }),
    );
    const relativeTo = relativeFileNote(command.file);
    if (relativeTo !== undefined) console.error(relativeTo);
    if (signal.aborted) {
      console.error(
        `The ${command.command} was complete when ${String(signal.reason)} came, so it was kept.`,
      );
    }
  } finally {
    await cdb.close();
  }
}

/**
 * Where a relative file name was taken from when `npm run admin` was started in a subfolder: npm
 * runs the command in the package's root (its INIT_CWD is where the operator was), so
 * `backup rel.gz` from `docs/` writes `<root>/rel.gz`, not `docs/rel.gz`.
 */
export function relativeFileNote(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  const started = env.INIT_CWD;
  if (isAbsolute(file) || started === undefined || started === '') return undefined;
  if (resolve(started) === resolve(cwd)) return undefined;
  return (
    `${file} was taken relative to ${resolve(cwd)}, where npm run admin runs its commands, not ` +
    `to ${resolve(started)}, where it was started: give an absolute path to choose the folder.`
  );
}

/**
 * The published checkpoint in the file `file` ({@link publishedCheckpointText}), read before the
 * database is opened.
 *
 * @throws {BackupError} naming the file and the system's reason in words.
 */
function readPublishedCheckpoint(file: string): string {
  try {
    return publishedCheckpointText(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'this user may not read it'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
    throw new BackupError(
      `The published checkpoint ${resolve(file)} cannot be read: ${why}${code === undefined ? '' : ` (${code})`}; ` +
        "give --published-checkpoint the checkpoint a monitor saved from /log/checkpoint, or the auditor's verifier state file; nothing was written.",
      { cause: error },
    );
  }
}

/**
 * SIGINT (Ctrl+C) and SIGTERM as the abort of the signal returned, its reason the signal's name,
 * while a backup or restore runs: it stops at its next step and removes what it wrote (a backup's
 * partial file holds both private keys), instead of the process ending where it is. Another
 * signal a second or more later ends the process at once, with the exit code the signal would
 * have given (a partial file left then is removed by the next backup to the same file). One
 * sooner is the same Ctrl+C passed on by a wrapper (npm forwards it to its script, tsx to its
 * child, while the terminal sent it to the whole process group), not the operator insisting:
 * ignored. The handlers stay until the process ends, so that such a late copy cannot end it
 * before its sentence is printed.
 */
function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  let first = 0;
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      first = Date.now();
      controller.abort(name);
    } else if (Date.now() - first >= 1_000) process.exit(signalExitCode(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** The shell's exit code for a process a signal ended: 128 + its number (SIGINT 130, SIGTERM 143). */
function signalExitCode(name: string): number {
  return 128 + (constants.signals[name as NodeJS.Signals] ?? 0);
}

async function main(): Promise<void> {
  let command: AdminCommand;
  try {
    command = parseAdminArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  if (command.command === 'help') {
    console.error(adminHelp());
    return;
  }
  // Libsodium (WebAssembly) is loaded once before any command: checkpoints and keys are checked
  // with it, and a function called before it is ready throws ERR_CRYPTO_NOT_READY.
  await ready();
  // The database the server opens (DATABASE_URL, DATABASE_PATH, the default: one function).
  const open = () =>
    openDatabase({
      // An operator's command, not a request: a backup's page of a large table may take longer
      // than the server's statement_timeout (docs/operations.md).
      statementTimeoutMs: 0,
      // A backup reads an existing database: a mistyped DATABASE_PATH must not make an empty one.
      ...(command.command === 'backup' ? { mustExist: true } : {}),
    });
  if (command.command === 'backup' || command.command === 'restore') {
    await runBackupCommand(command, open);
    return;
  }
  const cdb = await open();
  try {
    await migrateToLatest(cdb);
    // The server's own default (ORIGIN, else http://localhost:$PORT), so the link opens on it.
    const { origin } = logConfigFromEnv();
    if (command.command === 'list-people') {
      const listings = await listPeople(cdb, origin);
      const links = listings.filter((entry) => entry.linkId !== null).length;
      const people = listings.filter((entry) => entry.personId !== null).length;
      if (listings.length === 0) {
        console.error(
          'No person and no open enrolment link yet: npm run admin -- enroll-regulator --name "<full name>" makes the first.',
        );
        return;
      }
      console.log(peopleTable(listings));
      console.error(
        `${people} ${people === 1 ? 'person' : 'people'}, ${links} open enrolment link${links === 1 ? '' : 's'}` +
          (links === 0
            ? '.'
            : ': npm run admin -- cancel-enrolment <link> voids one nobody has used yet.'),
      );
      return;
    }
    if (command.command === 'cancel-enrolment') {
      console.error(await cancelEnrolment(cdb, command.link, origin));
      return;
    }
    const link = (await runAdmin(command, cdb, origin))!;
    const until = new Date(link.expiresAt).toISOString();
    // Without ORIGIN and PORT the link goes to the default port, which may not be the server's.
    const where = originUnset(process.env)
      ? ` (it goes to ${origin}, as neither ORIGIN nor PORT is set: run this with the ORIGIN or PORT the server has if it runs elsewhere)`
      : '';
    console.error(
      command.command === 'enroll-regulator'
        ? `One-time enrolment link for regulator "${command.name}", valid until ${until}${where}:`
        : recoveryNotice(link, until, where),
    );
    console.log(link.link);
  } finally {
    await cdb.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(
      unreachableDatabaseSentence(error) ??
        (error instanceof ProtocolError
          ? `${error.message} (${error.code})`
          : error instanceof Error
            ? error.message
            : String(error)),
    );
    // Stopped by a signal: the code the shell expects of it (130 for Ctrl+C), as if it had ended it.
    process.exitCode = error instanceof BackupInterruptedError ? signalExitCode(error.signal) : 1;
  });
}
