/**
 * The customer's view for the clearinghouse's own "my data at a glance" page (issue 7): the
 * Assistant reads and refreshes its relationships itself and hands the page plain data, the
 * shape protocol/connect checks. Names, states, purposes and hashes only: no key, no signature,
 * no receipt (DESIGN promise 1: private keys never leave the extension).
 */
import type { CustomerViewItem } from '../../protocol/connect';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import type { WalletRelationship } from './wallet';

/** The payload of a grant the vault holds (verified when stored); {} when unreadable. */
function grantPayload(jws: string): { scopes?: unknown; until?: unknown } {
  try {
    const value: unknown = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? '')));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function purposesOf(scopes: unknown): string[] {
  if (!Array.isArray(scopes)) return [];
  return scopes
    .map((s: unknown) =>
      typeof s === 'object' && s !== null ? (s as { purpose?: unknown }).purpose : undefined,
    )
    .filter((p): p is string => typeof p === 'string' && p.length <= 64)
    .slice(0, 64);
}

/**
 * One stored relationship as the page may see it.
 *
 * @example
 * ```ts
 * const items = (await wallet.list()).items.map(customerViewItem);
 * ```
 */
export function customerViewItem(r: WalletRelationship): CustomerViewItem {
  return {
    company: { id: r.company.id, legalName: r.company.legalName, domain: r.company.domain },
    companyStatus: r.company.status,
    pseudonym: r.pseudonym,
    grants: r.grants.slice(0, 256).map((g) => {
      const payload = grantPayload(g.jws);
      const until = payload.until;
      return {
        sha256: g.sha256,
        status: g.status,
        purposes: purposesOf(payload.scopes),
        until:
          typeof until === 'number' && Number.isSafeInteger(until) && until >= 0 ? until : null,
      };
    }),
    refusals: r.refusals.length,
    openRevocations: r.revocations.filter((x) => !x.acknowledged).length,
  };
}
