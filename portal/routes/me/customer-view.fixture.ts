/**
 * Test fixture (imported by this folder's *.test.ts only): one company of the Assistant's answer
 * to /me (protocol/connect `CustomerViewItem`), built from the few facts a test cares about.
 */
import type { CustomerViewItem } from '$protocol/connect';

/** A SHA-256 of 43 base64url characters, all `c`. */
export const hash = (c: string): string => c.repeat(43);

/** What a test says of its company; everything else is a plain default. */
export interface CustomerViewOptions {
  /** Its grants (none by default), each with the data categories it allows. */
  readonly grants?: readonly {
    status: 'active' | 'revoked' | 'expired';
    categories: string[];
    until?: number;
  }[];
  /** The data categories its current disclosure lists; undefined: no disclosure. */
  readonly held?: readonly string[];
  /** When it disclosed, and when the data requests were made (seconds). */
  readonly at?: number;
  readonly revocations?: readonly { acknowledged: boolean; overdue: boolean }[];
  /** Its data requests: an open access request each, over which these fields are laid. */
  readonly requests?: readonly Partial<CustomerViewItem['dataRequests'][number]>[];
  readonly offers?: CustomerViewItem['offers'];
}

/**
 * A company named `name` (its id and domain follow from the name's letters) with what `options`
 * says.
 *
 * @example
 * ```ts
 * customerViewItem('Laufhaus', { held: ['address'], requests: [{ answered: true }] });
 * ```
 */
export function customerViewItem(
  name: string,
  options: CustomerViewOptions = {},
): CustomerViewItem {
  const letters = name.replace(/[^A-Za-z0-9]/g, '');
  const at = options.at ?? 1_700_000_000;
  return {
    company: {
      id: `co_${letters.padEnd(43, 'x').slice(0, 43)}`,
      legalName: name,
      domain: `https://${name.split(' ')[0]!.toLowerCase()}.example`,
    },
    companyStatus: 'active',
    pseudonym: `ps_${hash('p')}`,
    grants: (options.grants ?? []).map((g, i) => ({
      sha256: hash(String.fromCharCode(65 + i)),
      status: g.status,
      purposes: ['product_launch'],
      channels: ['email'],
      dataCategories: g.categories,
      revokedPurposes: [],
      until: g.until ?? null,
    })),
    refusals: 0,
    openRevocations: (options.revocations ?? []).filter((r) => !r.acknowledged).length,
    revocations: (options.revocations ?? []).map((r, i) => ({
      sha256: hash(String.fromCharCode(75 + i)),
      at,
      ...r,
    })),
    disclosure:
      options.held === undefined
        ? null
        : {
            sha256: hash('Z'),
            at,
            holdings: options.held.map((dataCategory) => ({
              dataCategory,
              sources: ['direct'],
              purposes: ['product_launch'],
              retentionDays: 30,
              recipients: [],
            })),
            export: null,
          },
    dataRequests: (options.requests ?? []).map((r, i) => ({
      sha256: hash(String.fromCharCode(97 + i)),
      type: 'access',
      at,
      // The statutory month (30 days), in ms as the Assistant lists it.
      deadline: (at + 30 * 86_400) * 1000,
      answered: false,
      overdue: false,
      answer: null,
      ...r,
    })),
    offers: options.offers ?? { received: 0, delivered: 0, held: 0, hidden: 0 },
    rewards: { count: 0, points: 0, bestDiscount: null },
    complaints: { submitted: 0, drafts: 0 },
    accessEvents: [],
    complaintHistory: [],
  };
}
