/**
 * What an erasure answer leaves unsaid: the categories the request asked to erase that the answer
 * neither confirms as erased nor names as kept with a reason. The clearinghouse takes no such
 * answer now (portal/lib/server/obligations.ts `answerDataRequest`), but it took them before, so
 * the Assistant says so rather than let "erased: address" read as everything done.
 *
 * What was asked is read from the wallet's own copy of the request it signed (its receipt), never
 * from the clearinghouse's listing, which could claim any categories; and only categories this
 * version knows are named.
 *
 * Pure: no browser API, no I/O.
 */
import { dataCategoryIds } from '../../../protocol/vocabulary';

const known: ReadonlySet<string> = new Set(dataCategoryIds);

/**
 * The categories of `asked` (the request's `dataCategories` as its payload gives it; anything but
 * an array names none, i.e. all data; an entry that is no category this version knows is left
 * out) that `answer` neither erased nor kept.
 *
 * @example
 * ```ts
 * erasureSilentOn(['address', 'health'], { dataCategories: ['address'] }); // ['health']
 * ```
 */
export function erasureSilentOn(
  asked: unknown,
  answer: {
    readonly dataCategories: readonly string[];
    readonly retained?: { readonly dataCategories: readonly string[] } | undefined;
  },
): string[] {
  if (!Array.isArray(asked)) return [];
  const answered = new Set([...answer.dataCategories, ...(answer.retained?.dataCategories ?? [])]);
  return asked.filter(
    (c): c is string => typeof c === 'string' && known.has(c) && !answered.has(c),
  );
}
