/**
 * The protocol's vocabulary (requirements.md section 3): channels, purposes, data categories,
 * incentives, relationship types and statuses, permission bases, provenance sources, context
 * signals, location methods and privacy dimensions.
 *
 * Each list is an `as const` tuple of stable snake_case ids, so valibot picklists and TypeScript
 * unions come from one place. An id never changes once published: it is signed into grants and
 * logged. Labels live in the i18n catalog under `vocabulary.<list>.<id>`; the W3C Data Privacy
 * Vocabulary (DPV 2.x) concept is given where one exists, otherwise `null`.
 *
 * About the DPV IRIs: each is the closest DPV concept that is *equal to or broader than* our
 * term (e.g. `win_back` maps to `dpv:CustomerRelationshipManagement`), never a narrower one, so
 * a consumer of the IRI never over-reads what was granted. Only concepts checked against the DPV
 * 2.0 sources (w3c/dpv `2.0/dpv/modules/*.csv`, `2.0/pd/pd.csv`) are used; note that DPV spells
 * `pd:BrowsingBehavior` the American way.
 *
 * @example
 * ```ts
 * import { purposeIds, dataCategories, vocabularyLabel } from './vocabulary';
 * const purpose = v.picklist(purposeIds);
 * dataCategories.health.sensitive; // true
 * vocabularyLabel('de', 'channel', 'email'); // 'E-Mail'
 * ```
 */
import { t, type Locale, type MessageKey } from './i18n';

/** Namespace of DPV core concepts (purposes, legal bases, sources). */
export const DPV = 'https://w3id.org/dpv#';
/** Namespace of the DPV personal-data extension (data categories). */
export const DPV_PD = 'https://w3id.org/dpv/pd#';

const dpv = (term: string): string => DPV + term;
const pd = (term: string): string => DPV_PD + term;

/** One vocabulary entry beside its id: its DPV concept, if any. */
export interface VocabularyEntry {
  /** IRI of the equal-or-broader DPV concept, or null where DPV has none. */
  readonly dpv: string | null;
}

/** A data category additionally says whether it is sensitive. */
export interface DataCategoryEntry extends VocabularyEntry {
  /**
   * Special categories (GDPR Art. 9) plus what the sources single out as highly sensitive:
   * location and movement profile (requirements 15, 16), health and IoT data (requirement 42),
   * emotion and psychographic profiles. Sensitive categories need their own explicit scope and
   * are shown highlighted to the customer.
   */
  readonly sensitive: boolean;
}

// ---------------------------------------------------------------------------------------------
// Channels (requirements 3 "Channel")

export const channelIds = [
  'email',
  'newsletter',
  'sms',
  'mms',
  'phone_outbound',
  'phone_inbound',
  'postal_addressed',
  'postal_unaddressed',
  'fax',
  'field_sales_visit',
  'customer_service_center',
  'app_push',
  'in_app',
  'social_media',
  'banner',
  'smartwatch',
  'connected_car',
  'smart_home',
  'ambient_interface',
  'digital_signage',
  'in_store',
  'event',
  'customer_magazine',
  'customer_card',
] as const;
export type Channel = (typeof channelIds)[number];

/** DPV has no taxonomy of contact channels, so every channel maps to null. */
export const channels = nullEntries(channelIds);

// ---------------------------------------------------------------------------------------------
// Purposes (requirements 3 "Purpose", plus personalised advertising for GPC)

export const purposeIds = [
  'information',
  'image_influence',
  'acquisition',
  'care_call',
  'cross_up_sell',
  'reactivation',
  'win_back',
  'product_launch',
  'event_invitation',
  'service_support',
  'predictive_service',
  'political_lobbying',
  'recruiting',
  'co_creation',
  'market_research',
  'personalised_advertising',
] as const;
export type Purpose = (typeof purposeIds)[number];

export const purposes: Readonly<Record<Purpose, VocabularyEntry>> = deepFreeze({
  information: { dpv: dpv('CommunicationManagement') },
  image_influence: { dpv: dpv('PublicRelations') },
  acquisition: { dpv: dpv('DirectMarketing') },
  care_call: { dpv: dpv('CustomerRelationshipManagement') },
  cross_up_sell: { dpv: dpv('DirectMarketing') },
  reactivation: { dpv: dpv('CustomerRelationshipManagement') },
  win_back: { dpv: dpv('CustomerRelationshipManagement') },
  product_launch: { dpv: dpv('Marketing') },
  event_invitation: { dpv: dpv('Marketing') },
  service_support: { dpv: dpv('CustomerCare') },
  predictive_service: { dpv: dpv('ServicePersonalisation') },
  // Political communication is not a DPV purpose; "Marketing" would misstate it.
  political_lobbying: { dpv: null },
  recruiting: { dpv: dpv('PersonnelHiring') },
  co_creation: { dpv: dpv('ResearchAndDevelopment') },
  market_research: { dpv: dpv('CommercialResearch') },
  personalised_advertising: { dpv: dpv('PersonalisedAdvertising') },
});

// ---------------------------------------------------------------------------------------------
// Data categories (requirements 3 "DataCategory", plus biometrics and purchase history)

export const dataCategoryIds = [
  'address',
  'profile',
  'action',
  'response',
  'purchase_history',
  'preferences_habits',
  'behavioral_web',
  'location',
  'movement_profile',
  'psychographic',
  'emotion',
  'health',
  'biometrics',
  'device_usage_iot',
  'social_media_content',
  'sociodemographic',
  'customer_value',
  'relationship_type',
] as const;
export type DataCategory = (typeof dataCategoryIds)[number];

export const dataCategories: Readonly<Record<DataCategory, DataCategoryEntry>> = deepFreeze({
  address: { dpv: pd('Contact'), sensitive: false },
  profile: { dpv: pd('Profile'), sensitive: false },
  action: { dpv: pd('Communication'), sensitive: false },
  // Purchases, payments, complaints, references together: no single DPV concept fits.
  response: { dpv: null, sensitive: false },
  purchase_history: { dpv: pd('Purchase'), sensitive: false },
  preferences_habits: { dpv: pd('Preference'), sensitive: false },
  behavioral_web: { dpv: pd('BrowsingBehavior'), sensitive: false },
  location: { dpv: pd('Location'), sensitive: true },
  movement_profile: { dpv: pd('Location'), sensitive: true },
  psychographic: { dpv: pd('Personality'), sensitive: true },
  emotion: { dpv: null, sensitive: true },
  health: { dpv: pd('Health'), sensitive: true },
  biometrics: { dpv: pd('Biometric'), sensitive: true },
  device_usage_iot: { dpv: pd('DeviceBased'), sensitive: true },
  social_media_content: { dpv: pd('SocialMediaCommunication'), sensitive: false },
  sociodemographic: { dpv: pd('Demographic'), sensitive: false },
  customer_value: { dpv: null, sensitive: false },
  relationship_type: { dpv: null, sensitive: false },
});

/** The sensitive categories, in vocabulary order. */
export const sensitiveDataCategoryIds: readonly DataCategory[] = Object.freeze(
  dataCategoryIds.filter((id) => dataCategories[id].sensitive),
);

/** True when `id` is a known, sensitive data category (unknown ids are not "sensitive"). */
export function isSensitiveDataCategory(id: string): boolean {
  return isVocabularyId('dataCategory', id) && dataCategories[id as DataCategory].sensitive;
}

/**
 * SPECS "Consent conditions": a site is exempt from Global Privacy Control only when the customer
 * holds a grant for its company whose scopes include one of these purposes or data categories.
 */
export const gpcExemptingPurposes: readonly Purpose[] = Object.freeze(['personalised_advertising']);
export const gpcExemptingDataCategories: readonly DataCategory[] = Object.freeze([
  'behavioral_web',
]);

// ---------------------------------------------------------------------------------------------
// Incentives (requirements 3 "IncentiveType"; the first of each pair names the id)

export const incentiveTypeIds = [
  'discount',
  'status',
  'tool_access',
  'co_determination',
  'bonus_points',
] as const;
export type IncentiveType = (typeof incentiveTypeIds)[number];
export const incentiveTypes = nullEntries(incentiveTypeIds);

// ---------------------------------------------------------------------------------------------
// Relationships (consumer-declared type, company-side lifecycle status)

export const relationshipTypeIds = [
  'pragmatic_buyer',
  'partner',
  'ruler',
  'fan',
  'acquaintance',
  'none',
] as const;
export type RelationshipType = (typeof relationshipTypeIds)[number];
export const relationshipTypes = nullEntries(relationshipTypeIds);

export const relationshipStatusIds = [
  'target',
  'prospect',
  'customer_socialisation',
  'growth',
  'maturity',
  'degeneration',
  'former',
] as const;
export type RelationshipStatus = (typeof relationshipStatusIds)[number];
export const relationshipStatuses = nullEntries(relationshipStatusIds);

// ---------------------------------------------------------------------------------------------
// Permission bases (positive and negative permissions, requirements 1-5, 11, 12)

export const permissionBasisIds = [
  'explicit_grant',
  'explicit_refusal',
  'implicit_negative',
  'opt_out_existing_customer',
  'presumed_consent_b2b',
  'friending_grant',
  'dormant_reactivatable',
] as const;
export type PermissionBasis = (typeof permissionBasisIds)[number];

export const permissionBases: Readonly<Record<PermissionBasis, VocabularyEntry>> = deepFreeze({
  explicit_grant: { dpv: dpv('ExplicitlyExpressedConsent') },
  explicit_refusal: { dpv: dpv('ConsentRefused') },
  // Non-reaction, Robinson list, unsubscribe: a negative signal DPV has no state for.
  implicit_negative: { dpv: null },
  // § 7 (3) UWG; under the GDPR direct marketing to customers rests on legitimate interest.
  opt_out_existing_customer: { dpv: dpv('LegitimateInterestOfController') },
  // "Mutmaßliche Einwilligung" is neither DPV's implied nor expressed consent.
  presumed_consent_b2b: { dpv: null },
  friending_grant: { dpv: dpv('ExplicitlyExpressedConsent') },
  dormant_reactivatable: { dpv: null },
});

// ---------------------------------------------------------------------------------------------
// Provenance of data a company holds (requirement 17, disclosures)

export const provenanceSourceIds = ['direct', 'broker', 'derived', 'partner'] as const;
export type ProvenanceSource = (typeof provenanceSourceIds)[number];

export const provenanceSources: Readonly<Record<ProvenanceSource, VocabularyEntry>> = deepFreeze({
  direct: { dpv: dpv('DataSubjectDataSource') },
  broker: { dpv: dpv('ThirdPartyDataSource') },
  derived: { dpv: dpv('DerivedPersonalData') },
  partner: { dpv: dpv('ThirdPartyDataSource') },
});

// ---------------------------------------------------------------------------------------------
// Context (requirements 48-50)

export const contextSignalIds = [
  'location',
  'weather',
  'time_of_day',
  'device',
  'lifecycle_interaction',
  'dwell_time',
] as const;
export type ContextSignal = (typeof contextSignalIds)[number];

export const contextSignals: Readonly<Record<ContextSignal, VocabularyEntry>> = deepFreeze({
  location: { dpv: pd('Location') },
  weather: { dpv: null },
  time_of_day: { dpv: null },
  device: { dpv: pd('DeviceBased') },
  lifecycle_interaction: { dpv: null },
  dwell_time: { dpv: null },
});

export const locationMethodIds = ['cell', 'gps', 'beacon_bluetooth', 'wlan'] as const;
export type LocationMethod = (typeof locationMethodIds)[number];
export const locationMethods = nullEntries(locationMethodIds);

export const privacyDimensionIds = ['decisional', 'informational', 'local'] as const;
export type PrivacyDimension = (typeof privacyDimensionIds)[number];
export const privacyDimensions = nullEntries(privacyDimensionIds);

// ---------------------------------------------------------------------------------------------
// Lists as a whole

/** Every list by its catalog name (`vocabulary.<list>.<id>`). */
export const vocabularyLists = {
  channel: channelIds,
  purpose: purposeIds,
  dataCategory: dataCategoryIds,
  incentiveType: incentiveTypeIds,
  relationshipType: relationshipTypeIds,
  relationshipStatus: relationshipStatusIds,
  permissionBasis: permissionBasisIds,
  provenanceSource: provenanceSourceIds,
  contextSignal: contextSignalIds,
  locationMethod: locationMethodIds,
  privacyDimension: privacyDimensionIds,
} as const;
export type VocabularyList = keyof typeof vocabularyLists;
export type VocabularyId<L extends VocabularyList> = (typeof vocabularyLists)[L][number];

/** The entries of every list, keyed like {@link vocabularyLists}. */
export const vocabularyEntries: {
  readonly [L in VocabularyList]: Readonly<Record<VocabularyId<L>, VocabularyEntry>>;
} = {
  channel: channels,
  purpose: purposes,
  dataCategory: dataCategories,
  incentiveType: incentiveTypes,
  relationshipType: relationshipTypes,
  relationshipStatus: relationshipStatuses,
  permissionBasis: permissionBases,
  provenanceSource: provenanceSources,
  contextSignal: contextSignals,
  locationMethod: locationMethods,
  privacyDimension: privacyDimensions,
};

/**
 * True when `id` belongs to `list`. Safe on attacker-controlled strings (no prototype lookups).
 *
 * @example
 * ```ts
 * isVocabularyId('purpose', 'win_back'); // true
 * isVocabularyId('purpose', '__proto__'); // false
 * ```
 */
export function isVocabularyId<L extends VocabularyList>(
  list: L,
  id: unknown,
): id is VocabularyId<L> {
  return typeof id === 'string' && (vocabularyLists[list] as readonly string[]).includes(id);
}

/** The catalog key of an entry's label. */
export function vocabularyLabelKey<L extends VocabularyList>(
  list: L,
  id: VocabularyId<L>,
): MessageKey {
  return `vocabulary.${list}.${id}` as MessageKey;
}

/**
 * The human label of a vocabulary entry in `locale`.
 *
 * @example
 * ```ts
 * vocabularyLabel('en', 'dataCategory', 'behavioral_web'); // 'Web browsing behaviour'
 * ```
 */
export function vocabularyLabel<L extends VocabularyList>(
  locale: Locale,
  list: L,
  id: VocabularyId<L>,
): string {
  return t(locale, vocabularyLabelKey(list, id));
}

function nullEntries<const Ids extends readonly string[]>(
  ids: Ids,
): Readonly<Record<Ids[number], VocabularyEntry>> {
  return Object.freeze(
    Object.fromEntries(ids.map((id) => [id, Object.freeze({ dpv: null })])) as Record<
      Ids[number],
      VocabularyEntry
    >,
  );
}

function deepFreeze<T extends Record<string, object>>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) Object.freeze(inner);
  return Object.freeze(value);
}
