/**
 * How the consoles name people and their open invitations (the company console's staff section,
 * the regulators' `/regulator/people`): the same words for the same things in both.
 */
import type { OpenInvitation } from '$lib/server/people';
import type { Translate } from '$protocol/i18n';

/** An id (a key's, a pseudonym, a hash) as the consoles show it: its first ten characters. */
export const shortId = (id: string) => `${id.slice(0, 10)}…`;

/**
 * Who created an invitation: a colleague by name (`nameOf` a person id), the operator's command,
 * a company key, or a person no longer active.
 *
 * @example
 * ```ts
 * inviterName('admin', () => undefined, t); // 'Operator'
 * ```
 */
export function inviterName(
  createdBy: string,
  nameOf: (personId: string) => string | undefined,
  t: Translate,
): string {
  const colleague = nameOf(createdBy);
  if (colleague !== undefined) return colleague;
  if (createdBy === 'admin') return t('portal.console.invitations.byOperator');
  return createdBy.startsWith('co_')
    ? t('portal.console.invitations.byCompanyKey')
    : t('portal.console.invitations.byOther');
}

/**
 * Whom an invitation is for: the name given with it, or for a recovery the colleague's new
 * passkey (by name when `nameOf` knows them, else by id).
 */
export function invitedName(
  open: Pick<OpenInvitation, 'name' | 'recover'>,
  nameOf: (personId: string) => string | undefined,
  t: Translate,
): string {
  if (open.recover !== null) {
    return t('portal.console.invitations.recovery', {
      name: nameOf(open.recover) ?? open.recover,
    });
  }
  return open.name ?? t('portal.console.invitations.noName');
}
