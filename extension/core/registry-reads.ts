/**
 * The company registry entries one operation reads: a refresh of the relationships (the outbox
 * settled, the corrections sent, what each company disclosed opened) needs a company's entry in
 * several places, and one operation asks the clearinghouse for it once. The offers sync after a
 * refresh reads its own: a refresh of many relationships takes a while.
 *
 * Made per operation and dropped with it, never kept longer: a key a company declares compromised
 * must be seen by the next refresh (docs/api.md "Company keys"). A read that fails is not kept
 * either: the next reader asks the clearinghouse again, as it would without this, and meets
 * whatever failure or answer comes then.
 */
import type { ClearinghouseClient, CompanyEntry } from '../../protocol/client';

/**
 * One operation's reads of the registry, by company id.
 *
 * @example
 * ```ts
 * const reads = new RegistryReads(); // one per refresh (Wallet.refreshAll)
 * const entry = await reads.companyEntry(clearinghouse, companyId); // a second ask: the same read
 * ```
 */
export class RegistryReads {
  private readonly entries = new Map<string, Promise<CompanyEntry>>();

  /**
   * `companyId`'s registry entry, read through `clearinghouse` the first time the operation asks
   * for it; later asks get the same answer. A read still under way is shared, its failure too;
   * once it has failed, the next ask reads again. The readers of one operation talk to one
   * clearinghouse (the wallet's client and the inbox's are made from the same settings).
   */
  companyEntry(
    clearinghouse: Pick<ClearinghouseClient, 'getCompany'>,
    companyId: string,
  ): Promise<CompanyEntry> {
    const known = this.entries.get(companyId);
    if (known !== undefined) return known;
    const read = clearinghouse.getCompany(companyId);
    this.entries.set(companyId, read);
    // Failed: forgotten, so the next reader asks again (the caller handles this failure).
    read.catch(() => {
      if (this.entries.get(companyId) === read) this.entries.delete(companyId);
    });
    return read;
  }
}
