import type { Entry } from '../index';

/**
 * The Assistant on the open web (issue 11): the dashboard's sites view, GPC and cookie banners.
 * The TCF purpose and special-feature names are short names in our own words for the purposes
 * of the IAB TCF v2.2 policy (bundled: no vendor list is fetched).
 */
export const sites = {
  'extension.dashboard.nav.sites': { de: 'Websites', en: 'Websites' },
  'extension.sites.title': { de: 'Websites und Cookie-Banner', en: 'Websites and cookie banners' },
  'extension.sites.intro': {
    de: 'Ihr Assistent sendet auf jeder Website das Signal „Global Privacy Control“ und lehnt Cookie-Banner für Sie ab – außer bei Unternehmen, denen Sie personalisierte Werbung oder Ihr Surfverhalten freigegeben haben. Hier sehen Sie, was er wo getan hat, und können es für jede Website ändern.',
    en: 'Your Assistant sends the Global Privacy Control signal on every website and declines cookie banners for you, except for companies you granted personalised advertising or your browsing behaviour. Here you see what it did where, and you can change it for each website.',
  },
  'extension.sites.empty': {
    de: 'Noch keine Website besucht, seit der Assistent eingerichtet ist.',
    en: 'No website visited since the Assistant was set up.',
  },
  'extension.sites.exempt': {
    de: 'Ohne GPC-Signal (Sie haben zugestimmt): {sites}',
    en: 'Without the GPC signal (you consented): {sites}',
  },
  'extension.sites.exempt.none': {
    de: 'Alle Websites erhalten das GPC-Signal.',
    en: 'Every website receives the GPC signal.',
  },
  'extension.sites.nativeGpc': {
    de: 'Ihr Browser sendet GPC selbst, auf jeder Website. Der Assistent sendet es deshalb nicht ein zweites Mal; damit Ihre Einwilligungen Ausnahmen machen können, schalten Sie GPC in den Einstellungen des Browsers aus.',
    en: 'Your browser sends GPC itself, on every website. So the Assistant does not send it a second time; for your consents to make exceptions, turn GPC off in the browser settings.',
  },
  'extension.sites.column.site': { de: 'Website', en: 'Website' },
  'extension.sites.column.gpc': { de: 'Beachtet GPC?', en: 'Honours GPC?' },
  'extension.sites.column.banner': { de: 'Cookie-Banner', en: 'Cookie banner' },
  'extension.sites.column.decision': { de: 'Ihre Entscheidung', en: 'Your decision' },
  'extension.sites.gpc.honours': {
    de: 'Ja, laut gpc.json (Stand {date})',
    en: 'Yes, says its gpc.json (as of {date})',
  },
  'extension.sites.gpc.honoursUndated': {
    de: 'Ja, laut gpc.json',
    en: 'Yes, says its gpc.json',
  },
  'extension.sites.gpc.does-not-honour': {
    de: 'Nein, laut gpc.json',
    en: 'No, says its gpc.json',
  },
  'extension.sites.gpc.absent': { de: 'Keine Angabe', en: 'Says nothing' },
  'extension.sites.gpc.invalid': {
    de: 'Unlesbare Angabe',
    en: 'Unreadable statement',
  },
  'extension.sites.gpc.unreachable': { de: 'Nicht erreichbar', en: 'Could not be reached' },
  'extension.sites.gpc.unknown': { de: 'Noch nicht geprüft', en: 'Not checked yet' },
  'extension.sites.banner.none': { de: 'Kein bekanntes Banner', en: 'No known banner' },
  'extension.sites.banner.opt-out': { de: 'Abgelehnt', en: 'Opted out' },
  'extension.sites.banner.opt-in': { de: 'Zugestimmt', en: 'Accepted' },
  'extension.sites.banner.leave': { de: 'Nicht beantwortet', en: 'Left alone' },
  'extension.sites.banner.reason.default': {
    de: 'Ihre Grundeinstellung: überall ablehnen',
    en: 'Your default: decline everywhere',
  },
  'extension.sites.banner.reason.grant': {
    de: 'Ihre Einwilligung für dieses Unternehmen deckt es',
    en: 'Your consent for this company covers it',
  },
  'extension.sites.banner.reason.customer': {
    de: 'Ihre Entscheidung für diese Website',
    en: 'Your decision for this website',
  },
  'extension.sites.banner.outcome.success': { de: 'erfolgreich', en: 'done' },
  'extension.sites.banner.outcome.failure': {
    de: 'fehlgeschlagen – das Banner reagierte nicht wie erwartet',
    en: 'failed – the banner did not respond as expected',
  },
  'extension.sites.banner.outcome.no-popup': {
    de: 'kein Banner sichtbar',
    en: 'no banner was showing',
  },
  'extension.sites.banner.outcome.left-alone': {
    de: 'wie Sie es wollten',
    en: 'as you asked',
  },
  'extension.sites.banner.summary': {
    de: '{platform}: {action} ({outcome}), {date}. {reason}.',
    en: '{platform}: {action} ({outcome}), {date}. {reason}.',
  },
  'extension.sites.tcf.title': {
    de: 'Was die Website danach gespeichert hat (TCF-Zeichenkette)',
    en: 'What the website stored afterwards (TCF string)',
  },
  'extension.sites.tcf.none': {
    de: 'Keine Einwilligung gespeichert.',
    en: 'No consent recorded.',
  },
  'extension.sites.tcf.purposes': {
    de: 'Einwilligung für Zwecke: {list}',
    en: 'Consent for purposes: {list}',
  },
  'extension.sites.tcf.legitimate': {
    de: 'Berechtigtes Interesse beansprucht für Zwecke: {list}',
    en: 'Legitimate interest claimed for purposes: {list}',
  },
  'extension.sites.tcf.vendors': {
    de: 'Einwilligung für Anbieter (IAB-Nummern): {list}',
    en: 'Consent for vendors (IAB ids): {list}',
  },
  'extension.sites.tcf.specialFeatures': {
    de: 'Besondere Merkmale eingeschaltet: {list}',
    en: 'Special features switched on: {list}',
  },
  'extension.sites.tcf.flagged': {
    de: 'Achtung: Die Website hat Einwilligungen gespeichert, die Sie nicht gegeben haben.',
    en: 'Warning: the website recorded consent you did not give.',
  },
  'extension.sites.tcf.flaggedPurposes': { de: 'Zwecke: {list}', en: 'Purposes: {list}' },
  'extension.sites.tcf.flaggedVendors': {
    de: 'Anbieter (IAB-Nummern): {list}',
    en: 'Vendors (IAB ids): {list}',
  },
  'extension.sites.tcf.flaggedSpecial': {
    de: 'Besondere Merkmale: {list}',
    en: 'Special features: {list}',
  },
  'extension.sites.tcf.error.no-tcf-api': {
    de: 'Die Website nutzt das TCF nicht.',
    en: 'The website does not use the TCF.',
  },
  'extension.sites.tcf.error.empty': {
    de: 'Die Website gab eine leere TCF-Zeichenkette.',
    en: 'The website gave an empty TCF string.',
  },
  'extension.sites.tcf.error.too-long': {
    de: 'Die TCF-Zeichenkette der Website war zu lang, um sie zu lesen.',
    en: "The website's TCF string was too long to read.",
  },
  'extension.sites.tcf.error.malformed': {
    de: 'Die TCF-Zeichenkette der Website ist fehlerhaft.',
    en: "The website's TCF string is malformed.",
  },
  'extension.sites.decision.label': {
    de: 'Entscheidung für {site}',
    en: 'Decision for {site}',
  },
  'extension.sites.decision.auto': {
    de: 'Automatisch (Profil und Einwilligungen)',
    en: 'Automatic (profile and consents)',
  },
  'extension.sites.decision.opt-out': { de: 'Immer ablehnen', en: 'Always decline' },
  'extension.sites.decision.opt-in': { de: 'Immer zustimmen', en: 'Always accept' },
  'extension.sites.decision.leave': {
    de: 'Banner nicht beantworten',
    en: 'Do not answer the banner',
  },
  'extension.sites.decision.saved': {
    de: 'Gespeichert. Gilt ab dem nächsten Besuch von {site}.',
    en: 'Saved. Applies from the next visit to {site}.',
  },
  'extension.sites.damaged': {
    de: {
      one: '{count} Website-Eintrag ist beschädigt und wird nicht angezeigt.',
      other: '{count} Website-Einträge sind beschädigt und werden nicht angezeigt.',
    },
    en: {
      one: '{count} website record is damaged and not shown.',
      other: '{count} website records are damaged and not shown.',
    },
  },
  'extension.sites.tcf.purpose.1': {
    de: 'Informationen auf einem Gerät speichern und abrufen',
    en: 'Store and access information on a device',
  },
  'extension.sites.tcf.purpose.2': {
    de: 'Begrenzte Daten für Werbung nutzen',
    en: 'Use limited data to select advertising',
  },
  'extension.sites.tcf.purpose.3': {
    de: 'Profile für personalisierte Werbung anlegen',
    en: 'Create profiles for personalised advertising',
  },
  'extension.sites.tcf.purpose.4': {
    de: 'Profile nutzen, um personalisierte Werbung auszuwählen',
    en: 'Use profiles to select personalised advertising',
  },
  'extension.sites.tcf.purpose.5': {
    de: 'Profile zur Personalisierung von Inhalten anlegen',
    en: 'Create profiles to personalise content',
  },
  'extension.sites.tcf.purpose.6': {
    de: 'Profile nutzen, um personalisierte Inhalte auszuwählen',
    en: 'Use profiles to select personalised content',
  },
  'extension.sites.tcf.purpose.7': {
    de: 'Die Leistung von Werbung messen',
    en: 'Measure advertising performance',
  },
  'extension.sites.tcf.purpose.8': {
    de: 'Die Leistung von Inhalten messen',
    en: 'Measure content performance',
  },
  'extension.sites.tcf.purpose.9': {
    de: 'Zielgruppen durch Statistiken oder kombinierte Daten verstehen',
    en: 'Understand audiences through statistics or combined data',
  },
  'extension.sites.tcf.purpose.10': {
    de: 'Dienste entwickeln und verbessern',
    en: 'Develop and improve services',
  },
  'extension.sites.tcf.purpose.11': {
    de: 'Begrenzte Daten zur Auswahl von Inhalten nutzen',
    en: 'Use limited data to select content',
  },
  'extension.sites.tcf.special.1': {
    de: 'Genaue Standortdaten',
    en: 'Precise location data',
  },
  'extension.sites.tcf.special.2': {
    de: 'Gerät anhand seiner Merkmale aktiv abtasten',
    en: 'Actively scan device characteristics',
  },
} as const satisfies Record<string, Entry>;
