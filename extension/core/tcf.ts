/**
 * IAB TCF v2 consent strings (issue 11): after the Assistant answered a site's banner, the site's
 * `__tcfapi` hands over the TC string it recorded; this module decodes it with `@iabtcf/core` and
 * says which purposes, special features and vendor ids carry a consent the customer did not give.
 *
 * No Global Vendor List is fetched (issue 11): vendors are shown by id, purposes by the names
 * bundled in the i18n catalog (`extension.sites.tcf.purpose.<n>`).
 *
 * The string is attacker-controlled (the page wrote it): its length is bounded before decoding,
 * every decoding error becomes `{ok: false}`, and the lists it yields are bounded.
 */
import { TCString } from '@iabtcf/core';
import * as v from 'valibot';

/** Longest TC string accepted (real ones are a few hundred characters; range-encoded vendor lists stay far below this). */
export const maxTcStringLength = 8192;
/** At most this many vendor ids are kept per list (the GVL has about a thousand). */
export const maxVendorIds = 2000;
/** TCF v2.2 purposes 1..11 and special features 1..2 (names bundled in the catalog). */
export const tcfPurposeIds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;
export const tcfSpecialFeatureIds = [1, 2] as const;

const idList = (max: number) =>
  v.pipe(
    v.array(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535))),
    v.maxLength(max),
  );

/** What the vault keeps of a decoded TC string. */
export const tcfSummary = v.object({
  /** The raw string, bounded, so the customer (or a complaint) can show exactly what the site wrote. */
  tcString: v.pipe(v.string(), v.maxLength(maxTcStringLength)),
  cmpId: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4095)),
  policyVersion: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63)),
  vendorListVersion: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4095)),
  /** Seconds since the epoch, as the string says (day precision in TCF 2.2). */
  lastUpdated: v.nullable(v.pipe(v.number(), v.integer())),
  purposeConsents: idList(24),
  purposeLegitimateInterests: idList(24),
  specialFeatureOptins: idList(12),
  vendorConsents: idList(maxVendorIds),
  vendorLegitimateInterests: idList(maxVendorIds),
  /** Consents in the string that the customer did not give (see {@link flagsFor}). */
  flagged: v.object({
    purposes: idList(24),
    specialFeatures: idList(12),
    vendors: idList(maxVendorIds),
  }),
  /** True when a vendor list was longer than {@link maxVendorIds} and cut. */
  truncated: v.boolean(),
});
export type TcfSummary = v.InferOutput<typeof tcfSummary>;

/** What the Assistant answered on the customer's behalf. */
export type AnsweredAs = 'opt-out' | 'opt-in';

/** The outcome of {@link decodeTcString}. */
export type TcfDecoding =
  | { readonly ok: true; readonly summary: TcfSummary }
  | { readonly ok: false; readonly reason: 'empty' | 'too-long' | 'malformed' };

interface VectorLike {
  forEach(callback: (value: boolean, id: number) => void): void;
}

function idsOf(vector: VectorLike, max: number): { ids: number[]; truncated: boolean } {
  const ids: number[] = [];
  let truncated = false;
  vector.forEach((set, id) => {
    if (!set) return;
    if (ids.length < max) ids.push(id);
    else truncated = true;
  });
  return { ids: ids.sort((a, b) => a - b), truncated };
}

/**
 * Which recorded consents the customer did not give. After an opt-out the customer gave none: every
 * purpose consent, special-feature opt-in and vendor consent is flagged (legitimate interest is no
 * consent, so it is listed but not flagged). After an opt-in on a granted company's site the grant
 * covers advertising and web behaviour, not precise location or device scanning (sensitive
 * categories need their own scope), so only special-feature opt-ins are flagged.
 *
 * @example
 * ```ts
 * flagsFor('opt-out', { purposes: [1], specialFeatures: [], vendors: [755] }) // { purposes: [1], specialFeatures: [], vendors: [755] }
 * ```
 */
export function flagsFor(
  answeredAs: AnsweredAs,
  recorded: { purposes: number[]; specialFeatures: number[]; vendors: number[] },
): TcfSummary['flagged'] {
  if (answeredAs === 'opt-out')
    return {
      purposes: [...recorded.purposes],
      specialFeatures: [...recorded.specialFeatures],
      vendors: [...recorded.vendors],
    };
  return { purposes: [], specialFeatures: [...recorded.specialFeatures], vendors: [] };
}

/**
 * Decodes a TC string (core segment; other segments are ignored) and flags what the customer did
 * not give. Never throws.
 *
 * @example
 * ```ts
 * const result = decodeTcString(tcString, 'opt-out');
 * if (result.ok && result.summary.flagged.purposes.length > 0) warn();
 * ```
 */
export function decodeTcString(raw: unknown, answeredAs: AnsweredAs): TcfDecoding {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'empty' };
  if (raw.length > maxTcStringLength) return { ok: false, reason: 'too-long' };
  if (!/^[A-Za-z0-9_\-.]+$/.test(raw)) return { ok: false, reason: 'malformed' };
  let model: ReturnType<typeof TCString.decode>;
  try {
    model = TCString.decode(raw);
  } catch (_e) {
    return { ok: false, reason: 'malformed' };
  }
  try {
    const purposes = idsOf(model.purposeConsents, 24);
    const purposeLi = idsOf(model.purposeLegitimateInterests, 24);
    const special = idsOf(model.specialFeatureOptins, 12);
    const vendors = idsOf(model.vendorConsents, maxVendorIds);
    const vendorLi = idsOf(model.vendorLegitimateInterests, maxVendorIds);
    const lastUpdated =
      model.lastUpdated instanceof Date && !Number.isNaN(model.lastUpdated.getTime())
        ? Math.floor(model.lastUpdated.getTime() / 1000)
        : null;
    const summary = {
      tcString: raw,
      cmpId: model.cmpId,
      policyVersion: model.policyVersion,
      vendorListVersion: model.vendorListVersion,
      lastUpdated,
      purposeConsents: purposes.ids,
      purposeLegitimateInterests: purposeLi.ids,
      specialFeatureOptins: special.ids,
      vendorConsents: vendors.ids,
      vendorLegitimateInterests: vendorLi.ids,
      flagged: flagsFor(answeredAs, {
        purposes: purposes.ids,
        specialFeatures: special.ids,
        vendors: vendors.ids,
      }),
      truncated: vendors.truncated || vendorLi.truncated,
    };
    // The decoder trusts the string's own field widths; the schema bounds what we keep.
    const parsed = v.safeParse(tcfSummary, summary);
    return parsed.success
      ? { ok: true, summary: parsed.output }
      : { ok: false, reason: 'malformed' };
  } catch (_e) {
    return { ok: false, reason: 'malformed' };
  }
}
