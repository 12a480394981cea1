import type { Entry } from '../index';
import type {
  Channel,
  ContextSignal,
  DataCategory,
  IncentiveType,
  LocationMethod,
  PermissionBasis,
  PrivacyDimension,
  ProvenanceSource,
  Purpose,
  RelationshipStatus,
  RelationshipType,
} from '../../vocabulary';

/**
 * Labels of the protocol vocabulary (`vocabulary.<list>.<id>`), see protocol/vocabulary.
 * Each list is typed as a complete record over its ids, so adding an id without a label fails
 * the type check; `prefixed` then spreads it into flat catalog keys.
 */
type Prefixed<P extends string, T> = { readonly [K in keyof T as `${P}.${K & string}`]: T[K] };

function prefixed<const P extends string, const T extends Record<string, Entry>>(
  prefix: P,
  entries: T,
): Prefixed<P, T> {
  return Object.fromEntries(
    Object.entries(entries).map(([id, entry]) => [`${prefix}.${id}`, entry]),
  ) as Prefixed<P, T>;
}

const channel = {
  email: { de: 'E-Mail', en: 'E-mail' },
  newsletter: { de: 'Newsletter', en: 'Newsletter' },
  sms: { de: 'SMS', en: 'Text message (SMS)' },
  mms: { de: 'MMS', en: 'Multimedia message (MMS)' },
  phone_outbound: { de: 'Anruf durch das Unternehmen', en: 'Phone call from the company' },
  phone_inbound: { de: 'Anruf bei der Hotline', en: 'Your call to their hotline' },
  postal_addressed: { de: 'Werbebrief', en: 'Addressed letter' },
  postal_unaddressed: { de: 'Postwurfsendung', en: 'Unaddressed mail drop' },
  fax: { de: 'Fax', en: 'Fax' },
  field_sales_visit: { de: 'Besuch im Außendienst', en: 'Sales representative visit' },
  customer_service_center: { de: 'Kundenservice-Center', en: 'Customer service centre' },
  app_push: { de: 'App-Benachrichtigung', en: 'App push notification' },
  in_app: { de: 'In der App', en: 'In the app' },
  social_media: { de: 'Soziale Medien', en: 'Social media' },
  banner: { de: 'Banner und gesponserte Links', en: 'Banners and sponsored links' },
  smartwatch: { de: 'Smartwatch', en: 'Smartwatch' },
  connected_car: { de: 'Vernetztes Auto', en: 'Connected car' },
  smart_home: { de: 'Smart Home und Haushaltsgeräte', en: 'Smart home and appliances' },
  ambient_interface: {
    de: 'Umgebungsoberflächen (Spiegel, Wand)',
    en: 'Ambient interfaces (mirror, wall)',
  },
  digital_signage: { de: 'Digitale Außenwerbung', en: 'Digital signage' },
  in_store: { de: 'Im Geschäft (Beacon, Kasse)', en: 'In store (beacon, till)' },
  event: { de: 'Veranstaltungen und Messen', en: 'Events and trade fairs' },
  customer_magazine: { de: 'Kundenmagazin', en: 'Customer magazine' },
  customer_card: { de: 'Kundenkarte und Club', en: 'Customer card and club' },
} as const satisfies Record<Channel, Entry>;

const purpose = {
  information: { de: 'Information', en: 'Information' },
  image_influence: { de: 'Imagepflege', en: 'Image building' },
  acquisition: { de: 'Neukundengewinnung', en: 'Customer acquisition' },
  care_call: { de: 'Betreuungskontakt', en: 'Customer care contact' },
  cross_up_sell: { de: 'Zusatz- und Höherverkauf', en: 'Cross-selling and up-selling' },
  reactivation: { de: 'Reaktivierung', en: 'Reactivation' },
  win_back: { de: 'Kündigerrückgewinnung', en: 'Winning back former customers' },
  product_launch: { de: 'Produkteinführung', en: 'Product launch' },
  event_invitation: { de: 'Einladung zu Veranstaltungen', en: 'Event invitation' },
  service_support: {
    de: 'Service (Bestellung, Nutzung, Reklamation, Zahlung)',
    en: 'Service (orders, usage, complaints, payment)',
  },
  predictive_service: { de: 'Vorausschauender Service', en: 'Predictive service' },
  political_lobbying: { de: 'Politische Kommunikation', en: 'Political communication' },
  recruiting: { de: 'Personalgewinnung', en: 'Recruiting' },
  co_creation: { de: 'Mitgestaltung von Produkten', en: 'Co-creating products' },
  market_research: { de: 'Marktforschung', en: 'Market research' },
  personalised_advertising: { de: 'Personalisierte Werbung', en: 'Personalised advertising' },
} as const satisfies Record<Purpose, Entry>;

const dataCategory = {
  address: { de: 'Adress- und Kontaktdaten', en: 'Address and contact details' },
  profile: { de: 'Profildaten', en: 'Profile data' },
  action: { de: 'Kontakthistorie', en: 'Contact history' },
  response: { de: 'Reaktionsdaten', en: 'Response data' },
  purchase_history: { de: 'Kaufhistorie', en: 'Purchase history' },
  preferences_habits: { de: 'Vorlieben und Gewohnheiten', en: 'Preferences and habits' },
  behavioral_web: { de: 'Surfverhalten im Web', en: 'Web browsing behaviour' },
  location: { de: 'Standort', en: 'Location' },
  movement_profile: { de: 'Bewegungsprofil', en: 'Movement profile' },
  psychographic: {
    de: 'Psychografische Merkmale und Lebensstil',
    en: 'Psychographics and lifestyle',
  },
  emotion: { de: 'Gefühle und Stimmung', en: 'Emotion and mood' },
  health: { de: 'Gesundheitsdaten', en: 'Health data' },
  biometrics: { de: 'Biometrische Daten', en: 'Biometric data' },
  device_usage_iot: { de: 'Gerätenutzung (IoT)', en: 'Device usage (IoT)' },
  social_media_content: { de: 'Inhalte aus sozialen Medien', en: 'Social media content' },
  sociodemographic: { de: 'Soziodemografische Daten', en: 'Sociodemographic data' },
  customer_value: { de: 'Kundenwert', en: 'Customer value' },
  relationship_type: { de: 'Beziehungstyp', en: 'Relationship type' },
} as const satisfies Record<DataCategory, Entry>;

const incentiveType = {
  discount: { de: 'Rabatt', en: 'Discount' },
  status: { de: 'Status und Anerkennung', en: 'Status and recognition' },
  tool_access: { de: 'Zugang zu Werkzeugen', en: 'Access to tools' },
  co_determination: { de: 'Mitbestimmung', en: 'A say in decisions' },
  bonus_points: { de: 'Bonuspunkte', en: 'Bonus points' },
} as const satisfies Record<IncentiveType, Entry>;

const relationshipType = {
  pragmatic_buyer: { de: 'Pragmatischer Käufer', en: 'Pragmatic buyer' },
  partner: { de: 'Partner', en: 'Partner' },
  ruler: { de: 'Herrscher', en: 'Ruler' },
  fan: { de: 'Fan', en: 'Fan' },
  acquaintance: { de: 'Bekannter', en: 'Acquaintance' },
  none: { de: 'Keine Beziehung gewünscht', en: 'No relationship wanted' },
} as const satisfies Record<RelationshipType, Entry>;

const relationshipStatus = {
  target: { de: 'Zielperson', en: 'Target' },
  prospect: { de: 'Interessent', en: 'Prospect' },
  customer_socialisation: { de: 'Neukunde', en: 'New customer' },
  growth: { de: 'Wachstum', en: 'Growth' },
  maturity: { de: 'Reife', en: 'Maturity' },
  degeneration: { de: 'Abschwung', en: 'Decline' },
  former: { de: 'Ehemaliger Kunde', en: 'Former customer' },
} as const satisfies Record<RelationshipStatus, Entry>;

const permissionBasis = {
  explicit_grant: { de: 'Ausdrückliche Einwilligung', en: 'Explicit consent' },
  explicit_refusal: { de: 'Ausdrückliche Ablehnung', en: 'Explicit refusal' },
  implicit_negative: {
    de: 'Stillschweigende Ablehnung (keine Reaktion, Robinsonliste, Abbestellung)',
    en: 'Implicit refusal (no reply, Robinson list, unsubscribe)',
  },
  opt_out_existing_customer: {
    de: 'Bestandskunde mit Widerspruchsrecht (§ 7 Abs. 3 UWG)',
    en: 'Existing customer, may object (§ 7 (3) UWG)',
  },
  presumed_consent_b2b: {
    de: 'Mutmaßliche Einwilligung (geschäftlich)',
    en: 'Presumed consent (business contact)',
  },
  friending_grant: { de: 'Freischaltung im Assistenten', en: 'Admitted in the Assistant' },
  dormant_reactivatable: {
    de: 'Ruhend, später reaktivierbar',
    en: 'Dormant, may be reactivated later',
  },
} as const satisfies Record<PermissionBasis, Entry>;

const provenanceSource = {
  direct: { de: 'Direkt von Ihnen', en: 'Directly from you' },
  broker: { de: 'Adresshändler', en: 'Data broker' },
  derived: { de: 'Abgeleitet', en: 'Derived' },
  partner: { de: 'Kooperationspartner', en: 'Partner company' },
} as const satisfies Record<ProvenanceSource, Entry>;

const contextSignal = {
  location: { de: 'Standort', en: 'Location' },
  weather: { de: 'Wetter', en: 'Weather' },
  time_of_day: { de: 'Tageszeit', en: 'Time of day' },
  device: { de: 'Endgerät', en: 'Device' },
  lifecycle_interaction: { de: 'Phase der Kundenbeziehung', en: 'Relationship stage' },
  dwell_time: { de: 'Verweildauer', en: 'Dwell time' },
} as const satisfies Record<ContextSignal, Entry>;

const locationMethod = {
  cell: { de: 'Mobilfunkzelle', en: 'Mobile cell' },
  gps: { de: 'GPS', en: 'GPS' },
  beacon_bluetooth: { de: 'Bluetooth-Beacon', en: 'Bluetooth beacon' },
  wlan: { de: 'WLAN', en: 'Wi-Fi' },
} as const satisfies Record<LocationMethod, Entry>;

const privacyDimension = {
  decisional: { de: 'Entscheidungsfreiheit', en: 'Decisional privacy' },
  informational: { de: 'Informationelle Selbstbestimmung', en: 'Informational privacy' },
  local: { de: 'Räumliche Privatsphäre', en: 'Local privacy' },
} as const satisfies Record<PrivacyDimension, Entry>;

export const vocabulary = {
  ...prefixed('vocabulary.channel', channel),
  ...prefixed('vocabulary.purpose', purpose),
  ...prefixed('vocabulary.dataCategory', dataCategory),
  ...prefixed('vocabulary.incentiveType', incentiveType),
  ...prefixed('vocabulary.relationshipType', relationshipType),
  ...prefixed('vocabulary.relationshipStatus', relationshipStatus),
  ...prefixed('vocabulary.permissionBasis', permissionBasis),
  ...prefixed('vocabulary.provenanceSource', provenanceSource),
  ...prefixed('vocabulary.contextSignal', contextSignal),
  ...prefixed('vocabulary.locationMethod', locationMethod),
  ...prefixed('vocabulary.privacyDimension', privacyDimension),
} as const satisfies Record<string, Entry>;
