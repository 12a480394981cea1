import type { Entry } from '../index';

/** Text of the Clearinghouse portal. */
export const portal = {
  'portal.nav.home': { de: 'Start', en: 'Home' },
  'portal.nav.skip': { de: 'Zum Inhalt springen', en: 'Skip to content' },
  'portal.language.switch': { de: 'Sprache wählen', en: 'Choose language' },
  'portal.language.apply': { de: 'Anwenden', en: 'Apply' },
  // Company console (portal/routes/company): the rule of an onward recipient's line, said under
  // the field; what a suspended company cannot do, said at its forms; answered data requests.
  'portal.console.request.recipientsHint': {
    de: 'Je Zeile ein Empfänger: der Name, optional mit Komma und Ländercode aus zwei Buchstaben (ISO 3166-1, etwa „Versand GmbH, DE“). Nach dem letzten Komma einer Zeile steht immer ein solcher Ländercode; ein Name, der selbst ein Komma enthält, endet deshalb mit seinem Land („Müller, Schmidt & Co, DE“).',
    en: 'One recipient per line: the name, optionally a comma and a two-letter country code (ISO 3166-1, as in “Versand GmbH, DE”). What follows the last comma of a line is always such a code; so a name that itself contains a comma ends with its country (“Miller, Smith & Co, GB”).',
  },
  // The recipients field's problems, line by line (request-form.ts `explainRecipients`, for the
  // request and the disclosure form): `{line}` counts from 1, empty lines too; `{text}` is the
  // line, cut when long; `{lines}` lists the line numbers not quoted one by one.
  'portal.console.recipients.error.country': {
    de: 'Zeile {line} („{text}“): Geben Sie nach dem letzten Komma einen Ländercode aus zwei Buchstaben an, etwa DE.',
    en: 'Line {line} (“{text}”): after the last comma, give a two-letter country code such as DE.',
  },
  'portal.console.recipients.error.name': {
    de: 'Zeile {line} („{text}“): Vor dem Komma fehlt der Name des Empfängers.',
    en: 'Line {line} (“{text}”): the recipient’s name is missing before the comma.',
  },
  'portal.console.recipients.error.nameLength': {
    de: 'Zeile {line} („{text}“): Der Name ist länger als {max} Zeichen; bitte kürzen Sie ihn.',
    en: 'Line {line} (“{text}”): the name is longer than {max} characters; please shorten it.',
  },
  'portal.console.recipients.error.tooMany': {
    de: 'Hier stehen {given} Empfänger, möglich sind höchstens {max}. Bitte entfernen Sie Zeilen, bis es nicht mehr als {max} sind.',
    en: 'There are {given} recipients here; at most {max} are possible. Please remove lines until no more than {max} are left.',
  },
  'portal.console.recipients.error.more': {
    de: 'Auch die Zeilen {lines} sind fehlerhaft: Bitte prüfen Sie sie anhand der Regel unter dem Feld.',
    en: 'Lines {lines} are wrong too: please check them against the rule under the field.',
  },
  'portal.console.suspended.request': {
    de: 'Solange Ihr Unternehmen ausgesetzt ist, können Sie nicht um Einwilligung bitten: Die Clearingstelle nimmt keine Anfragen an, bis die Aufsicht die Aussetzung aufhebt. Auskunfts- und Löschanfragen beantworten und Widerrufe bestätigen können Sie weiterhin.',
    en: 'While your company is suspended, you cannot ask for consent: the clearinghouse takes no requests until the regulator lifts the suspension. You can still answer data requests and acknowledge revocations.',
  },
  'portal.console.suspended.invite': {
    de: 'Solange Ihr Unternehmen ausgesetzt ist, können Sie niemanden einladen und keinen neuen Passkey für eine Kollegin oder einen Kollegen freigeben; das geht wieder, sobald die Aufsicht die Aussetzung aufhebt.',
    en: 'While your company is suspended, you cannot invite anyone or approve a colleague’s new passkey; this works again once the regulator lifts the suspension.',
  },
  'portal.console.suspended.see': {
    de: 'Zur Aussetzung und ihrer Begründung',
    en: 'To the suspension and its reason',
  },
  'portal.console.dataRequests.noneOpen': {
    de: 'Keine offenen Anfragen.',
    en: 'No open requests.',
  },
  'portal.console.dataRequests.answeredTitle': {
    de: 'Zuletzt beantwortet',
    en: 'Recently answered',
  },
  'portal.console.dataRequests.answeredExplain': {
    de: 'Die bis zu {size} neuesten Antworten der letzten {days} Tage, die neueste zuerst.',
    en: 'Up to the {size} newest answers of the last {days} days, newest first.',
  },
  'portal.console.dataRequests.receivedOn': {
    de: 'eingegangen am {date}',
    en: 'received on {date}',
  },
  'portal.console.dataRequests.outcome.disclosure': {
    de: 'Auskunft erteilt am {date}.',
    en: 'Disclosure given on {date}.',
  },
  'portal.console.dataRequests.outcome.erased': {
    de: 'Löschung bestätigt am {date}: {categories}.',
    en: 'Erasure confirmed on {date}: {categories}.',
  },
  'portal.console.dataRequests.outcome.kept': {
    de: 'Aufbewahrt: {categories}.',
    en: 'Kept: {categories}.',
  },
  'portal.console.dataRequests.outcome.refused': {
    de: 'Abgelehnt am {date}.',
    en: 'Refused on {date}.',
  },
  'portal.console.dataRequests.answerReason': { de: 'Begründung:', en: 'Reason:' },
  'portal.console.dataRequests.onTime': {
    de: 'Fristgerecht (Frist: {date}).',
    en: 'On time (deadline: {date}).',
  },
  'portal.console.dataRequests.late': {
    de: 'Verspätet (die Frist endete am {date}).',
    en: 'Late (the deadline was {date}).',
  },
  // the regulator's signed acts: who signed them and why, two signing at once, an ended session
  'portal.regulator.decision.by': { de: 'Signiert von {name}.', en: 'Signed by {name}.' },
  'portal.regulator.history.title': {
    de: 'Aussetzungen und Wiederzulassungen',
    en: 'Suspensions and reinstatements',
  },
  'portal.regulator.history.none': {
    de: 'Das Unternehmen wurde noch nie ausgesetzt.',
    en: 'The company has never been suspended.',
  },
  'portal.regulator.history.suspend': {
    de: 'Ausgesetzt am {at} von {name}',
    en: 'Suspended on {at} by {name}',
  },
  'portal.regulator.history.reinstate': {
    de: 'Wieder zugelassen am {at} von {name}',
    en: 'Reinstated on {at} by {name}',
  },
  'portal.regulator.history.cited': {
    de: 'Gestützt auf diese bestätigten Beschwerden:',
    en: 'Resting on these upheld complaints:',
  },
  'portal.regulator.history.more': {
    de: 'Gezeigt sind die letzten {count}; die älteren stehen im öffentlichen Protokoll.',
    en: 'Only the latest {count} are shown; the older ones are in the public log.',
  },
  'portal.regulator.suspend.already': {
    de: 'Das Unternehmen ist bereits ausgesetzt: Inzwischen wurde eine andere Aussetzung signiert. Ihre wurde nicht gespeichert.',
    en: 'The company is already suspended: another suspension was signed in the meantime. Yours was not stored.',
  },
  'portal.regulator.reinstate.already': {
    de: 'Das Unternehmen ist bereits wieder zugelassen: Inzwischen wurde eine andere Wiederzulassung signiert. Ihre wurde nicht gespeichert.',
    en: 'The company is already reinstated: another reinstatement was signed in the meantime. Yours was not stored.',
  },
  'portal.regulator.sessionEnded.refresh': {
    de: 'Ihre Sitzung ist abgelaufen, deshalb zeigt diese Seite womöglich nicht den aktuellen Stand. Melden Sie sich in einem anderen Tab neu an und laden Sie diese Seite dann neu.',
    en: 'Your session has ended, so this page may not show where things stand now. Log in again in another tab, then reload this page.',
  },
  'portal.home.title': {
    de: 'Die Clearingstelle für Einwilligungen',
    en: 'The clearinghouse for consent',
  },
  'portal.home.lead': {
    de: 'Unternehmen fragen Ihren Assistenten um Erlaubnis, statt Sie einfach anzuschreiben. Sie entscheiden, wer Sie wie oft über welchen Kanal erreichen darf, und können jede Erlaubnis mit einem Klick zurückziehen. Jede Erlaubnis, Ablehnung und jeder Widerruf ist signiert und in einem öffentlichen, nur erweiterbaren Protokoll festgehalten.',
    en: 'Companies ask your Assistant for permission instead of simply writing to you. You decide who may reach you, how often and on which channel, and you can withdraw any permission with one click. Every grant, refusal and revocation is signed and recorded in a public, append-only log.',
  },
  'portal.home.roles': {
    de: 'Was die Clearingstelle für Sie tut',
    en: 'What the clearinghouse does for you',
  },
  'portal.home.customer.title': { de: 'Für Kundinnen und Kunden', en: 'For customers' },
  'portal.home.customer.body': {
    de: 'Ihr Assistent im Browser hält Ihr Profil und Ihre Sperrliste verschlüsselt auf Ihrem Gerät, lässt nur erwünschte Angebote durch und zeigt Ihnen auf einen Blick, welches Unternehmen welche Daten über Sie hat.',
    en: 'Your Assistant in the browser keeps your profile and blacklist encrypted on your device, lets through only the offers you want, and shows you at a glance which company holds which data about you.',
  },
  'portal.home.company.title': { de: 'Für Unternehmen', en: 'For companies' },
  'portal.home.company.body': {
    de: 'Fragen Sie rechtssicher und nachweisbar um Einwilligung und erreichen Sie Menschen, die Ja gesagt haben, auf dem Kanal, den sie sich wünschen.',
    en: 'Ask for consent in a lawful, provable way and reach the people who said yes, on the channel they prefer.',
  },
  'portal.home.auditor.title': { de: 'Für Prüferinnen und Prüfer', en: 'For auditors' },
  'portal.home.auditor.body': {
    de: 'Prüfen Sie, dass das Protokoll nur erweitert und nie umgeschrieben wurde und dass jede Quittung darin enthalten ist.',
    en: 'Verify that the log was only ever appended to, never rewritten, and that every receipt is in it.',
  },
  'portal.home.regulator.title': { de: 'Für Aufsichtsbehörden', en: 'For regulators' },
  'portal.home.regulator.body': {
    de: 'Sehen Sie, wer sich an Einwilligungen hält und wer nicht, mit signierten Belegen, und setzen Sie Unternehmen bei Verstößen aus.',
    en: 'See who keeps to consent and who does not, with signed evidence, and suspend companies that break the rules.',
  },
  'portal.home.install.title': { de: 'Den Assistenten installieren', en: 'Install the Assistant' },
  'portal.home.install.body': {
    de: 'Der Assistent ist eine Browser-Erweiterung für Chromium (auch Google Chrome, Microsoft Edge) und Firefox. Dieses Clearinghouse bietet ihn hier zum Herunterladen an; in den Stores der Browser ist er noch nicht.',
    en: 'The Assistant is a browser extension for Chromium (also Google Chrome, Microsoft Edge) and Firefox. This clearinghouse offers it for download here; it is not in the browsers’ stores yet.',
  },
  'portal.home.install.chromium.title': {
    de: 'Chromium, Chrome, Edge',
    en: 'Chromium, Chrome, Edge',
  },
  'portal.home.install.chromium.download': {
    de: 'Assistent für Chromium herunterladen (ZIP)',
    en: 'Download the Assistant for Chromium (ZIP)',
  },
  'portal.home.install.chromium.step1': {
    de: 'Entpacken Sie die ZIP-Datei in einen Ordner, den Sie behalten: der Browser lädt den Assistenten bei jedem Start von dort.',
    en: 'Unpack the ZIP file into a folder you keep: the browser loads the Assistant from there at every start.',
  },
  'portal.home.install.chromium.step2': {
    de: 'Öffnen Sie die Adresse chrome://extensions, schalten Sie oben rechts den Entwicklermodus ein, wählen Sie „Entpackte Erweiterung laden“ und dann diesen Ordner.',
    en: 'Open the address chrome://extensions, switch on developer mode at the top right, choose “Load unpacked” and then that folder.',
  },
  'portal.home.install.firefox.title': { de: 'Firefox', en: 'Firefox' },
  'portal.home.install.firefox.download': {
    de: 'Assistent für Firefox herunterladen (ZIP)',
    en: 'Download the Assistant for Firefox (ZIP)',
  },
  'portal.home.install.firefox.step1': {
    de: 'Öffnen Sie die Adresse about:debugging#/runtime/this-firefox, wählen Sie „Temporäres Add-on laden…“ und dann die ZIP-Datei.',
    en: 'Open the address about:debugging#/runtime/this-firefox, choose “Load Temporary Add-on…” and then the ZIP file.',
  },
  'portal.home.install.firefox.step2': {
    de: 'Firefox entfernt ein so geladenes Add-on beim Beenden wieder, und mit ihm den Tresor des Assistenten. Zum Ausprobieren genügt das; für den dauerhaften Gebrauch braucht es eine von Mozilla signierte Fassung, die es noch nicht gibt. Nutzen Sie bis dahin Chromium, oder sichern Sie den Tresor vor dem Beenden (in der Übersicht des Assistenten unter „{backup}“).',
    en: 'Firefox removes an add-on loaded this way when it quits, and the Assistant’s vault with it. That is enough to try it; lasting use needs a version signed by Mozilla, which does not exist yet. Until then use Chromium, or back up the vault before quitting (in the Assistant’s overview under “{backup}”).',
  },
  'portal.home.install.afterwards': {
    de: 'Danach öffnet der Assistent seine Übersicht: Legen Sie eine Passphrase fest und notieren Sie die Wiederherstellungsphrase. Ihre Schlüssel verlassen Ihr Gerät nie.',
    en: 'The Assistant then opens its overview: choose a passphrase and write down the recovery phrase. Your keys never leave your device.',
  },
  'portal.home.install.none': {
    de: 'Dieses Clearinghouse bietet den Assistenten nicht zum Herunterladen an. Fragen Sie seinen Betreiber, woher Sie ihn bekommen:',
    en: 'This clearinghouse does not offer the Assistant for download. Ask its operator where to get it:',
  },
  'portal.home.install.imprint': { de: 'Impressum', en: 'Imprint' },
  'portal.footer.version': {
    de: 'Clearingstelle, Version {version}',
    en: 'Clearinghouse, version {version}',
  },
  'portal.error.title': { de: 'Fehler {status}', en: 'Error {status}' },
  'portal.error.notFound': {
    de: 'Diese Seite gibt es nicht.',
    en: 'This page does not exist.',
  },
  'portal.error.forbidden': {
    de: 'Diese Seite ist der Aufsicht vorbehalten, und Ihrem Konto fehlt dieses Recht. Ein erneuter Versuch ändert daran nichts.',
    en: 'This page is for regulators, and your account does not have that right. Trying again will not change this.',
  },
  'portal.error.legalText': {
    de: 'Dieser Rechtstext kann gerade nicht angezeigt werden: Die Datei des Betreibers ist nicht lesbar, und sein Protokoll sagt ihm, warum. Versuchen Sie es später noch einmal.',
    en: 'This legal text cannot be shown right now: the operator’s file cannot be read, and the operator’s log says why. Please try again later.',
  },
  'portal.error.databaseUnavailable': {
    de: 'Diese Seite kann gerade nicht angezeigt werden: Die Datenbank des Clearinghouse ist nicht erreichbar. Nichts ist verloren gegangen. Versuchen Sie es in einer Minute noch einmal.',
    en: 'This page cannot be shown right now: the clearinghouse’s database cannot be reached. Nothing was lost. Please try again in a minute.',
  },
  // 4xx answers: the request as sent cannot succeed, so none of them says "try again".
  'portal.error.malformedAddress': {
    de: 'Die Adresse ist ungültig: Sie enthält eine fehlerhafte Prozentkodierung (ein „%“, auf das keine gültigen Zeichen folgen). Prüfen Sie den Link oder geben Sie die Adresse neu ein.',
    en: 'The address is not valid: it contains malformed percent-encoding (a “%” not followed by valid characters). Check the link or type the address again.',
  },
  'portal.error.badRequest': {
    de: 'Diese Anfrage ist fehlerhaft und kann so nicht bearbeitet werden. Ein erneuter Versuch ändert daran nichts.',
    en: 'This request is malformed and cannot be handled as sent. Trying again will not change this.',
  },
  'portal.error.methodNotAllowed': {
    de: 'Diese Seite nimmt keine Anfrage dieser Art entgegen. Öffnen Sie die Seite über die Startseite und verwenden Sie ihre eigenen Schaltflächen.',
    en: 'This page does not accept a request of this kind. Open the page from the home page and use its own buttons.',
  },
  'portal.error.unsupportedMediaType': {
    de: 'Diese Anfrage wurde in einem Format gesendet, das diese Seite nicht annimmt. Verwenden Sie das Formular der Seite selbst.',
    en: 'This request was sent in a format this page does not accept. Use the page’s own form.',
  },
  'portal.error.clientError': {
    de: 'Diese Anfrage kann so, wie sie gesendet wurde, nicht bearbeitet werden. Ein erneuter Versuch ändert daran nichts.',
    en: 'This request cannot be handled as it was sent. Trying again will not change this.',
  },
  'portal.error.back': { de: 'Zur Startseite', en: 'Back to the home page' },
  'portal.nav.apiDocs': { de: 'API-Dokumentation', en: 'API documentation' },
  // ----- the public pages (issue 9, "Public"): navigation, registry, company page, legal texts
  'portal.nav.main': { de: 'Hauptnavigation', en: 'Main navigation' },
  'portal.nav.registry': { de: 'Unternehmensregister', en: 'Company registry' },
  'portal.nav.legal': { de: 'Rechtliches', en: 'Legal' },
  'portal.nav.imprint': { de: 'Impressum', en: 'Imprint' },
  'portal.nav.privacy': { de: 'Datenschutz', en: 'Privacy notice' },
  'portal.nav.accessibility': { de: 'Barrierefreiheit', en: 'Accessibility' },
  'portal.home.registry.title': {
    de: 'Wer hält sich an Einwilligungen?',
    en: 'Who keeps to consent?',
  },
  'portal.home.registry.body': {
    de: 'Das öffentliche Register zeigt jedes Unternehmen mit seinen Kennzahlen: wie viele Menschen ihm eine Einwilligung gegeben haben, ob es Widerrufe rechtzeitig bestätigt, berechtigte Beschwerden, Boykotte und abgewiesene Zustellversuche.',
    en: 'The public registry shows every company with its figures: how many people gave it consent, whether it acknowledges revocations in time, upheld complaints, boycotts and refused delivery attempts.',
  },
  'portal.home.registry.link': { de: 'Zum Unternehmensregister', en: 'Open the company registry' },
  'portal.home.docs.title': { de: 'Das Protokoll und die API', en: 'The protocol and the API' },
  'portal.home.docs.body': {
    de: 'Alle Nachrichten sind signierte JWS; welche im Protokoll stehen, wie Quittungen und Prüfpunkte aussehen und wie Unternehmen sich anbinden, beschreibt die Dokumentation im Ordner docs/ des Quelltexts. Maschinenlesbar und hier abrufbar:',
    en: 'Every message is a signed JWS; which ones the log holds, what receipts and checkpoints look like and how companies integrate is described in the documentation in the source’s docs/ folder. Machine-readable and available here:',
  },
  'portal.home.docs.api': {
    de: 'Die API-Seite mit allen Routen',
    en: 'The API page with every route',
  },
  'portal.home.docs.openapi': { de: 'Das OpenAPI-Dokument', en: 'The OpenAPI document' },
  'portal.home.docs.wellKnown': {
    de: 'Die Selbstbeschreibung der Clearingstelle (Protokollschlüssel, API-Adresse)',
    en: 'The clearinghouse’s self-description (log key, API address)',
  },
  'portal.home.docs.checkpoint': {
    de: 'Der aktuelle signierte Prüfpunkt des Protokolls',
    en: 'The log’s current signed checkpoint',
  },
  'portal.registry.title': { de: 'Unternehmensregister', en: 'Company registry' },
  'portal.registry.lead': {
    de: 'Alle Unternehmen, die bei der Clearingstelle registriert sind, mit ihrem Status und ihren Vertrauenskennzahlen. Die Zahlen entstehen aus den signierten Nachrichten, nicht aus Angaben der Unternehmen.',
    en: 'Every company registered with the clearinghouse, with its status and trust figures. The figures come from the signed messages, not from what the companies say about themselves.',
  },
  'portal.registry.search': { de: 'Suchen und sortieren', en: 'Search and sort' },
  'portal.registry.search.label': { de: 'Name oder Domain', en: 'Name or domain' },
  'portal.registry.search.submit': { de: 'Anzeigen', en: 'Show' },
  'portal.registry.search.reset': { de: 'Alle zeigen', en: 'Show all' },
  'portal.registry.sort.label': { de: 'Sortieren nach', en: 'Sort by' },
  'portal.registry.dir.label': { de: 'Reihenfolge', en: 'Order' },
  'portal.registry.dir.asc': { de: 'aufsteigend', en: 'ascending' },
  'portal.registry.dir.desc': { de: 'absteigend', en: 'descending' },
  'portal.registry.count': {
    de: { one: '{count} Unternehmen gefunden.', other: '{count} Unternehmen gefunden.' },
    en: { one: '{count} company found.', other: '{count} companies found.' },
  },
  'portal.registry.countFor': {
    de: {
      one: '{count} Unternehmen gefunden für „{q}“.',
      other: '{count} Unternehmen gefunden für „{q}“.',
    },
    en: { one: '{count} company found for “{q}”.', other: '{count} companies found for “{q}”.' },
  },
  'portal.registry.empty': {
    de: 'Kein Unternehmen passt zu dieser Suche.',
    en: 'No company matches this search.',
  },
  'portal.registry.pastEnd': {
    de: {
      one: 'Seite {page} gibt es nicht: Die Liste hat {count} Seite.',
      other: 'Seite {page} gibt es nicht: Die Liste hat {count} Seiten.',
    },
    en: {
      one: 'There is no page {page}: the list has {count} page.',
      other: 'There is no page {page}: the list has {count} pages.',
    },
  },
  'portal.registry.toLast': { de: 'Zur letzten Seite', en: 'To the last page' },
  'portal.registry.caption': {
    de: 'Registrierte Unternehmen mit Status und Vertrauenskennzahlen',
    en: 'Registered companies with status and trust figures',
  },
  'portal.registry.col.name': { de: 'Unternehmen', en: 'Company' },
  'portal.registry.col.status': { de: 'Status', en: 'Status' },
  'portal.registry.sortedBy': {
    de: 'sortiert: {dir}',
    en: 'sorted: {dir}',
  },
  'portal.registry.pages': { de: 'Seiten', en: 'Pages' },
  'portal.registry.previous': { de: 'Vorherige Seite', en: 'Previous page' },
  'portal.registry.next': { de: 'Nächste Seite', en: 'Next page' },
  'portal.registry.pageOf': { de: 'Seite {page} von {pages}', en: 'Page {page} of {pages}' },
  'portal.status.active': { de: 'aktiv', en: 'active' },
  'portal.status.pending': { de: 'Domain unbestätigt', en: 'domain not verified' },
  'portal.status.suspended': { de: 'ausgesetzt', en: 'suspended' },
  // The regulator's dashboard tiles, saying what each counts (a bare "offen" next to
  // "Widerrufe" read as open revocations), and its link to the index of companies.
  'portal.regulator.totals.companiesSuspended': {
    de: 'Ausgesetzte Unternehmen',
    en: 'Suspended companies',
  },
  'portal.regulator.totals.complaintsOpen': { de: 'Offene Beschwerden', en: 'Open complaints' },
  'portal.regulator.companies.open': { de: 'Alle Unternehmen', en: 'All companies' },
  // /regulator/companies: every registered company, found by name, id or domain, by status.
  'portal.regulator.companies.title': { de: 'Unternehmen', en: 'Companies' },
  'portal.regulator.companies.lead': {
    de: 'Alle registrierten Unternehmen, auch ohne Befunde: Suchen Sie nach Name, Kennung oder Domain, wählen Sie einen Status und öffnen Sie ein Unternehmen, um seine Befunde zu sehen und es auszusetzen oder die Aussetzung aufzuheben.',
    en: 'Every registered company, also those without findings: search by name, id or domain, choose a status, and open a company to see its findings and to suspend it or lift its suspension.',
  },
  'portal.regulator.companies.search': { de: 'Unternehmen suchen', en: 'Search companies' },
  'portal.regulator.companies.search.label': {
    de: 'Name, Kennung oder Domain',
    en: 'Name, id or domain',
  },
  'portal.regulator.companies.status': { de: 'Status', en: 'Status' },
  'portal.regulator.companies.status.all': { de: 'alle', en: 'all' },
  'portal.regulator.companies.status.active': { de: 'aktiv', en: 'active' },
  'portal.regulator.companies.status.pending': {
    de: 'Domain unbestätigt',
    en: 'domain not verified',
  },
  'portal.regulator.companies.status.suspended': { de: 'ausgesetzt', en: 'suspended' },
  'portal.regulator.companies.submit': { de: 'Suchen', en: 'Search' },
  'portal.regulator.companies.reset': { de: 'Alle zeigen', en: 'Show all' },
  'portal.regulator.companies.count': {
    de: { one: '{count} Unternehmen gefunden.', other: '{count} Unternehmen gefunden.' },
    en: { one: '{count} company found.', other: '{count} companies found.' },
  },
  'portal.regulator.companies.empty': {
    de: 'Kein Unternehmen passt zu dieser Suche und Auswahl.',
    en: 'No company matches this search and filter.',
  },
  'portal.regulator.companies.caption': {
    de: 'Registrierte Unternehmen',
    en: 'Registered companies',
  },
  'portal.regulator.companies.col.id': { de: 'Kennung', en: 'Id' },
  'portal.regulator.companies.col.domain': { de: 'Domain', en: 'Domain' },
  // The complaint review's further signed fields of the evidence: an offer's text, category and
  // links, a disclosure's holdings, a grant request's incentive.
  'portal.regulator.evidence.field.category': { de: 'Kategorie', en: 'Category' },
  'portal.regulator.evidence.field.body': { de: 'Text', en: 'Text' },
  'portal.regulator.evidence.field.link': { de: 'Link', en: 'Link' },
  'portal.regulator.evidence.field.unsubscribe': {
    de: 'Abmeldelink',
    en: 'Unsubscribe link',
  },
  'portal.regulator.evidence.field.holding': { de: 'Gespeicherte Daten', en: 'Data held' },
  'portal.regulator.evidence.field.holdingSources': { de: 'Herkunft', en: 'Sources' },
  'portal.regulator.evidence.field.holdingPurposes': { de: 'Zwecke', en: 'Purposes' },
  'portal.regulator.evidence.field.holdingRetentionDays': {
    de: 'Aufbewahrung (Tage)',
    en: 'Retention (days)',
  },
  'portal.regulator.evidence.field.holdingRecipients': {
    de: 'Empfänger',
    en: 'Recipients',
  },
  'portal.regulator.evidence.field.holdingCollectedSince': {
    de: 'Erhoben seit',
    en: 'Collected since',
  },
  'portal.regulator.evidence.field.incentive': { de: 'Anreiz', en: 'Incentive' },
  'portal.regulator.evidence.field.incentiveDe': {
    de: 'Beschreibung des Anreizes (Deutsch)',
    en: 'Description of the incentive (German)',
  },
  'portal.regulator.evidence.field.incentiveEn': {
    de: 'Beschreibung des Anreizes (Englisch)',
    en: 'Description of the incentive (English)',
  },
  'portal.trust.relationships': { de: 'Aktive Beziehungen', en: 'Active relationships' },
  'portal.trust.relationships.explain': {
    de: 'Pseudonyme, die dem Unternehmen eine Einwilligung gegeben haben, die weder ganz widerrufen noch abgelaufen ist. Ein Mensch zählt einmal, denn er hat pro Unternehmen genau ein Pseudonym.',
    en: 'Pseudonyms holding a grant to the company that is neither wholly revoked nor expired. A person counts once, as they have exactly one pseudonym per company.',
  },
  'portal.trust.acksOnTime': {
    de: 'Widerrufe rechtzeitig bestätigt',
    en: 'Revocations acknowledged in time',
  },
  // `{count}` is the deadline in hours.
  'portal.trust.acksOnTime.explain': {
    de: {
      one: 'Widerrufe, deren Umsetzung das Unternehmen innerhalb der Frist von {count} Stunde signiert bestätigt hat.',
      other:
        'Widerrufe, deren Umsetzung das Unternehmen innerhalb der Frist von {count} Stunden signiert bestätigt hat.',
    },
    en: {
      one: 'Revocations the company confirmed, signed, within the deadline of {count} hour.',
      other: 'Revocations the company confirmed, signed, within the deadline of {count} hours.',
    },
  },
  'portal.trust.acksOverdue': { de: 'Widerrufe überfällig', en: 'Revocations overdue' },
  'portal.trust.acksOverdue.explain': {
    de: 'Widerrufe, die erst nach der Frist oder bis heute nicht bestätigt wurden. Jeder ist ein Befund für die Aufsicht.',
    en: 'Revocations confirmed only after the deadline, or not at all to this day. Each one is a finding for the regulator.',
  },
  'portal.trust.acksOpen': { de: 'Widerrufe in Frist', en: 'Revocations within the deadline' },
  'portal.trust.acksOpen.explain': {
    de: 'Widerrufe, die noch nicht bestätigt sind, deren Frist aber noch läuft.',
    en: 'Revocations not yet confirmed whose deadline has not passed.',
  },
  'portal.trust.requestsOnTime': {
    de: 'Anfragen rechtzeitig beantwortet',
    en: 'Data requests answered in time',
  },
  'portal.trust.requestsOnTime.explain': {
    de: 'Auskunfts- und Löschanfragen, die das Unternehmen innerhalb ihrer Frist beantwortet hat (ein Monat ab Eingang, Art. 12 Abs. 3 DSGVO).',
    en: 'Access and erasure requests the company answered within their deadline (one month from receipt, GDPR Art. 12(3)).',
  },
  'portal.trust.requestsOverdue': { de: 'Anfragen überfällig', en: 'Data requests overdue' },
  'portal.trust.requestsOverdue.explain': {
    de: 'Auskunfts- und Löschanfragen, die erst nach der Frist oder bis heute nicht beantwortet wurden. Jede ist ein Befund für die Aufsicht.',
    en: 'Access and erasure requests answered only after the deadline, or not at all to this day. Each one is a finding for the regulator.',
  },
  'portal.trust.requestsOpen': { de: 'Anfragen in Frist', en: 'Data requests within the deadline' },
  'portal.trust.requestsOpen.explain': {
    de: 'Auskunfts- und Löschanfragen, die noch nicht beantwortet sind, deren Frist aber noch läuft.',
    en: 'Access and erasure requests not yet answered whose deadline has not passed.',
  },
  'portal.trust.outOfScope': {
    de: 'Datennutzung außerhalb der Einwilligung',
    en: 'Data use outside the grant',
  },
  'portal.trust.outOfScope.explain': {
    de: 'Einträge in den eigenen Nutzungsberichten des Unternehmens, die keine Einwilligung deckte: eine unbekannte Einwilligung, ein anderer Zweck oder andere Daten als erlaubt, eine Nutzung vor der Einwilligung oder nach ihrem Ablauf oder Widerruf. Jeder ist ein Befund für die Aufsicht.',
    en: 'Entries of the company’s own access reports that no grant covered: an unknown grant, another purpose or other data than granted, a use before the grant or after it expired or was revoked. Each one is a finding for the regulator.',
  },
  'portal.trust.complaints': { de: 'Berechtigte Beschwerden', en: 'Upheld complaints' },
  'portal.trust.complaints.explain': {
    de: 'Beschwerden mit signiertem Beleg, denen eine Aufsichtsbehörde stattgegeben hat.',
    en: 'Complaints with signed evidence that a regulator upheld.',
  },
  'portal.trust.boycotts': { de: 'Boykotte', en: 'Boycotts' },
  'portal.trust.boycotts.explain': {
    de: 'Menschen mit einer protokollierten Beziehung zum Unternehmen, die es in ihrem Assistenten gesperrt haben. Nur sie zählen, damit erfundene Pseudonyme die Zahl nicht aufblähen.',
    en: 'People with a logged relationship to the company who blacklisted it in their Assistant. Only they count, so invented pseudonyms cannot inflate the figure.',
  },
  'portal.trust.refused': { de: 'Abgewiesene Zustellversuche', en: 'Refused delivery attempts' },
  'portal.trust.refused.explain': {
    de: 'Angebote, die die Clearingstelle nicht weitergeleitet hat, weil keine gültige Einwilligung sie deckte, die vereinbarte Kontakthäufigkeit überschritten war oder das Unternehmen nicht aktiv war (etwa ausgesetzt).',
    en: 'Offers the clearinghouse did not forward because no valid grant covered them, the agreed contact frequency was exceeded, or the company was not active (suspended, for instance).',
  },
  'portal.company.back': { de: 'Zurück zum Register', en: 'Back to the registry' },
  'portal.company.suspended': {
    de: 'Dieses Unternehmen ist von einer Aufsichtsbehörde ausgesetzt. Es darf derzeit nicht um Einwilligung bitten und keine Angebote zustellen.',
    en: 'This company is suspended by a regulator. It may not ask for consent or deliver offers at present.',
  },
  'portal.company.suspendedSince': {
    de: 'Ausgesetzt seit {date}.',
    en: 'Suspended since {date}.',
  },
  'portal.company.suspendedCited': {
    de: 'Die Aussetzung stützt sich auf diese bestätigten Beschwerden (gekürzte Kennungen):',
    en: 'The suspension rests on these upheld complaints (shortened ids):',
  },
  'portal.company.pending': {
    de: 'Die Domain dieses Unternehmens ist noch nicht bestätigt. Bis dahin darf es nicht um Einwilligung bitten.',
    en: 'This company’s domain is not verified yet. Until it is, the company may not ask for consent.',
  },
  'portal.company.details': { de: 'Angaben', en: 'Details' },
  'portal.company.registerId': { de: 'Registereintrag', en: 'Register entry' },
  'portal.company.domain': { de: 'Domain', en: 'Domain' },
  'portal.company.contact': {
    de: 'Kontakt für Datenschutzfragen',
    en: 'Contact for privacy matters',
  },
  'portal.company.id': { de: 'Kennung in der Clearingstelle', en: 'Clearinghouse id' },
  'portal.company.registeredAt': { de: 'Registriert am', en: 'Registered on' },
  'portal.company.domainVerifiedAt': { de: 'Domain bestätigt am', en: 'Domain verified on' },
  'portal.company.notVerified': { de: 'nicht bestätigt', en: 'not verified' },
  'portal.company.purposes': { de: 'Erklärte Zwecke', en: 'Declared purposes' },
  'portal.company.purposes.lead': {
    de: 'Nur für diese Zwecke darf das Unternehmen um Einwilligung bitten.',
    en: 'The company may ask for consent for these purposes only.',
  },
  'portal.company.brands': { de: 'Marken', en: 'Brands' },
  'portal.company.brands.none': { de: 'Keine Marken angegeben.', en: 'No brands declared.' },
  'portal.company.keys': { de: 'Signaturschlüssel', en: 'Signing keys' },
  'portal.company.keys.lead': {
    de: 'Mit diesen Schlüsseln unterschreibt das Unternehmen seine Nachrichten. Ein Fingerabdruck ist der JWK-Thumbprint nach RFC 7638.',
    en: 'The company signs its messages with these keys. A fingerprint is the JWK thumbprint of RFC 7638.',
  },
  'portal.company.keys.kid': { de: 'Fingerabdruck', en: 'Fingerprint' },
  'portal.company.keys.added': { de: 'Hinzugefügt', en: 'Added' },
  'portal.company.keys.state': { de: 'Zustand', en: 'State' },
  'portal.company.keys.current': { de: 'in Gebrauch', en: 'in use' },
  'portal.company.keys.retired': { de: 'stillgelegt am {date}', en: 'retired on {date}' },
  'portal.company.keys.compromised': {
    de: 'kompromittiert seit {date}: Unterschriften ab dann sind ungültig',
    en: 'compromised since {date}: signatures from then on are void',
  },
  'portal.company.figures': { de: 'Vertrauenskennzahlen', en: 'Trust figures' },
  'portal.company.history': { de: 'Verlauf', en: 'Over time' },
  // `{count}` is the number of weeks shown.
  'portal.company.history.lead': {
    de: {
      one: 'Pro Kalenderwoche (Montag bis Sonntag, UTC) der letzten {count} Woche, gezählt aus den gespeicherten Einwilligungen, Ablehnungen und Widerrufen. Ein Widerruf zählt in der Woche, in der er einging.',
      other:
        'Pro Kalenderwoche (Montag bis Sonntag, UTC) der letzten {count} Wochen, gezählt aus den gespeicherten Einwilligungen, Ablehnungen und Widerrufen. Ein Widerruf zählt in der Woche, in der er einging.',
    },
    en: {
      one: 'Per calendar week (Monday to Sunday, UTC) of the last {count} week, counted from the stored grants, refusals and revocations. A revocation counts in the week it arrived.',
      other:
        'Per calendar week (Monday to Sunday, UTC) of the last {count} weeks, counted from the stored grants, refusals and revocations. A revocation counts in the week it arrived.',
    },
  },
  'portal.chart.grants': { de: 'Einwilligungen', en: 'Grants' },
  'portal.chart.refusals': { de: 'Ablehnungen', en: 'Refusals' },
  'portal.chart.revocations': { de: 'Widerrufe', en: 'Revocations' },
  'portal.chart.acksOverdue': {
    de: 'davon verspätet oder nicht bestätigt',
    en: 'of which acknowledged late or not at all',
  },
  'portal.chart.week': { de: 'Woche ab', en: 'Week from' },
  // `{count}` is the number of weeks; the other figures, formatted by the caller, are labelled.
  'portal.chart.summary': {
    de: {
      one: 'Diagramm über {count} Woche. Einwilligungen: {grants}; Ablehnungen: {refusals}; Widerrufe: {revocations}, davon verspätet oder nicht bestätigt: {overdue}. Die Werte stehen in der Tabelle darunter.',
      other:
        'Diagramm über {count} Wochen. Einwilligungen: {grants}; Ablehnungen: {refusals}; Widerrufe: {revocations}, davon verspätet oder nicht bestätigt: {overdue}. Die Werte stehen in der Tabelle darunter.',
    },
    en: {
      one: 'Chart over {count} week. Grants: {grants}; refusals: {refusals}; revocations: {revocations}, of which acknowledged late or not at all: {overdue}. The values are in the table below.',
      other:
        'Chart over {count} weeks. Grants: {grants}; refusals: {refusals}; revocations: {revocations}, of which acknowledged late or not at all: {overdue}. The values are in the table below.',
    },
  },
  'portal.chart.table': { de: 'Die Werte als Tabelle', en: 'The values as a table' },
  'portal.chart.legend': { de: 'Legende', en: 'Legend' },
  'portal.legal.imprint.title': { de: 'Impressum', en: 'Imprint' },
  'portal.legal.privacy.title': { de: 'Datenschutzerklärung', en: 'Privacy notice' },
  'portal.legal.accessibility.title': {
    de: 'Erklärung zur Barrierefreiheit',
    en: 'Accessibility statement',
  },
  'portal.legal.placeholder': {
    de: 'Dies ist der Platzhalter der Software. Die Betreiberin dieser Instanz muss ihn durch ihren eigenen Text ersetzen (Einstellung LEGAL_TEXT_DIR).',
    en: 'This is the software’s placeholder. The operator of this instance must replace it with their own text (setting LEGAL_TEXT_DIR).',
  },
  'portal.legal.imprint.default': {
    de: 'Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG)\n\nDie Betreiberin dieser Clearingstelle hat ihr Impressum noch nicht hinterlegt. Es muss enthalten:\n\n– den Namen und die ladungsfähige Anschrift der Betreiberin (bei einer Behörde oder juristischen Person auch die Rechtsform und die vertretungsberechtigte Person);\n– eine E-Mail-Adresse und einen weiteren schnellen Kontaktweg (etwa eine Telefonnummer);\n– das Register und die Registernummer, falls eingetragen;\n– die Umsatzsteuer-Identifikationsnummer, falls vorhanden;\n– die zuständige Aufsichtsbehörde, falls die Tätigkeit einer Zulassung bedarf;\n– die für den Inhalt verantwortliche Person nach § 18 Abs. 2 Medienstaatsvertrag.',
    en: 'Information according to § 5 of the German Digital Services Act (DDG)\n\nThe operator of this clearinghouse has not provided its imprint yet. It must state:\n\n– the operator’s name and address for service (for an authority or legal person also its legal form and who represents it);\n– an e-mail address and another quick way of contact (such as a telephone number);\n– the register and register number, if registered;\n– the VAT identification number, if any;\n– the supervisory authority, if the activity requires a licence;\n– the person responsible for the content according to § 18 (2) of the German Interstate Media Treaty (MStV).',
  },
  'portal.legal.privacy.default': {
    de: 'Die Betreiberin dieser Clearingstelle hat ihre Datenschutzerklärung noch nicht hinterlegt. Sie muss ihren Namen und ihre Anschrift als Verantwortliche, die Kontaktdaten ihrer oder ihres Datenschutzbeauftragten, die Rechtsgrundlagen, die Speicherdauer, Ihre Rechte (Auskunft, Berichtigung, Löschung, Einschränkung, Widerspruch, Datenübertragbarkeit) und die zuständige Aufsichtsbehörde für Beschwerden nennen.\n\nWas diese Software speichert, unabhängig von der Betreiberin:\n\nKundinnen und Kunden: keine Namen, keine E-Mail-Adressen, keine Gerätekennungen. Die Clearingstelle kennt nur Pseudonyme: einen eigenen öffentlichen Schlüssel je Kundin und Unternehmen, der auf Ihrem Gerät abgeleitet wird, so dass zwei Unternehmen (und die Clearingstelle selbst) dieselbe Person nicht verknüpfen können. Gespeichert werden die von Ihrem Assistenten signierten Nachrichten (Einwilligungen, Ablehnungen, Widerrufe, Auskunfts- und Löschverlangen, Beschwerden) und im öffentlichen Protokoll nur ein Hashwert jeder Nachricht mit Art, Unternehmen, Pseudonym und Zeit. Angebote und Datenauskünfte an Sie sind Ende-zu-Ende verschlüsselt; die Clearingstelle kann sie nicht lesen. Ihr Profil und Ihre Sperrliste bleiben verschlüsselt auf Ihrem Gerät.\n\nUnternehmen: die Registrierungsangaben (Firma, Registereintrag, Domain, Kontakt für Datenschutzfragen, Zwecke, Marken), ihre öffentlichen Schlüssel und ihre signierten Nachrichten.\n\nMitarbeitende von Unternehmen und Aufsichtsbehörden: ein Anzeigename, die öffentlichen Schlüssel ihrer Passkeys und ihres Signaturschlüssels sowie Sitzungen (im Cookie liegt ein Zufallswert, in der Datenbank nur sein Hashwert).\n\nCookies: „lang“ speichert die gewählte Sprache; ein Sitzungscookie nur nach der Anmeldung von Mitarbeitenden. Keine Analyse- oder Werbe-Cookies, keine Inhalte Dritter.\n\nProtokolle des Servers: Fehler werden mit Methode und Pfad der Anfrage protokolliert. Ob und wie lange Zugriffsprotokolle (etwa IP-Adressen) eines vorgeschalteten Webservers gespeichert werden, muss die Betreiberin hier angeben.',
    en: 'The operator of this clearinghouse has not provided its privacy notice yet. It must name the operator as controller with its address, the contact details of its data protection officer, the legal bases, how long data is kept, your rights (access, rectification, erasure, restriction, objection, portability) and the supervisory authority you may complain to.\n\nWhat this software stores, whoever operates it:\n\nCustomers: no names, no e-mail addresses, no device ids. The clearinghouse knows only pseudonyms: a separate public key per customer and company, derived on your device, so that two companies (or the clearinghouse itself) cannot link the same person. It stores the messages your Assistant signed (grants, refusals, revocations, access and erasure requests, complaints), and in the public log only a hash of each message with its kind, company, pseudonym and time. Offers and disclosures addressed to you are end-to-end encrypted; the clearinghouse cannot read them. Your profile and blacklist stay encrypted on your device.\n\nCompanies: their registration (legal name, register entry, domain, privacy contact, purposes, brands), their public keys and their signed messages.\n\nStaff of companies and regulators: a display name, the public keys of their passkeys and of their signing key, and sessions (the cookie holds a random value, the database only its hash).\n\nCookies: “lang” keeps the language you chose; a session cookie only after staff log in. No analytics or advertising cookies, no third-party content.\n\nServer logs: errors are logged with the request’s method and path. Whether and for how long access logs (such as IP addresses) of a web server in front are kept must be stated here by the operator.',
  },
  'portal.legal.accessibility.default': {
    de: 'Die Betreiberin dieser Clearingstelle hat ihre Erklärung zur Barrierefreiheit (§ 12b Behindertengleichstellungsgesetz, BITV 2.0) noch nicht hinterlegt. Sie muss nennen: den Stand der Vereinbarkeit mit den Anforderungen (EN 301 549, WCAG 2.1 Stufe AA), die Inhalte, die nicht barrierefrei sind, und warum, das Datum der Erstellung und wie die Bewertung erfolgte, einen Weg, Mängel zu melden (Feedback-Kontakt), und den Hinweis auf das Schlichtungsverfahren (für Bundesbehörden die Schlichtungsstelle nach § 16 BGG, sonst die Stelle des Landes).\n\nWas die Software selbst tut: Die Seiten werden auf dem Server gerendert und funktionieren ohne JavaScript; alles ist mit der Tastatur erreichbar; Sprache ist Deutsch oder Englisch und umschaltbar; Diagramme haben eine Tabelle mit denselben Werten. Jede öffentliche Seite wird bei jedem Testlauf automatisch mit axe-core geprüft. Eine automatische Prüfung ersetzt keinen vollständigen BITV-Test.',
    en: 'The operator of this clearinghouse has not provided its accessibility statement (§ 12b of the German Disability Equality Act, BITV 2.0) yet. It must state: how far the pages comply with the requirements (EN 301 549, WCAG 2.1 level AA), which content is not accessible and why, when the statement was made and how compliance was assessed, a way to report barriers (feedback contact), and the conciliation procedure (for federal bodies the conciliation body under § 16 BGG, otherwise the state’s body).\n\nWhat the software itself does: pages are rendered on the server and work without JavaScript; everything can be reached with the keyboard; the language is German or English and can be switched; charts come with a table of the same values. Every public page is scanned automatically with axe-core in every test run. An automated scan does not replace a full BITV test.',
  },
  'portal.apiDocs.title': { de: 'Die API der Clearingstelle', en: 'The clearinghouse API' },
  'portal.apiDocs.lead': {
    de: 'Unternehmen und der Assistent sprechen über diese Schnittstelle mit der Clearingstelle. Jede Nachricht ist signiert: Ein POST trägt als Rumpf die kompakte JWS (application/jose), ein GET mit Aufrufer die Signatur im Authorization-Kopf. Diese Seite entsteht aus dem OpenAPI-Dokument.',
    en: 'Companies and the Assistant talk to the clearinghouse through this interface. Every message is signed: a POST carries the compact JWS as its body (application/jose), a GET with a caller carries its signature in the Authorization header. This page is rendered from the OpenAPI document.',
  },
  'portal.apiDocs.document': { de: 'OpenAPI-Dokument (JSON)', en: 'OpenAPI document (JSON)' },
  'portal.apiDocs.integration': {
    de: 'Wie ein Unternehmen sich anbindet, steht in docs/company-integration.md; eine Beispiel-Website liegt in test/company-site/.',
    en: 'How a company integrates is described in docs/company-integration.md; an example site lives in test/company-site/.',
  },
  'portal.apiDocs.routes': { de: 'Routen', en: 'Routes' },
  'portal.apiDocs.contents': { de: 'Inhalt', en: 'Contents' },
  'portal.apiDocs.signer': { de: 'Wer signiert', en: 'Who signs' },
  'portal.apiDocs.body': { de: 'Rumpf', en: 'Body' },
  'portal.apiDocs.bodyNone': { de: 'keiner', en: 'none' },
  'portal.apiDocs.bodyJose': {
    de: 'Kompakte JWS einer Nachricht der Art {kind} (typ {typ})',
    en: 'Compact JWS of a {kind} message (typ {typ})',
  },
  'portal.apiDocs.bodyJson': { de: 'JSON: {schema}', en: 'JSON: {schema}' },
  'portal.apiDocs.payloadFields': { de: 'Felder der Nutzlast', en: 'Payload fields' },
  'portal.apiDocs.required': { de: 'Pflicht', en: 'required' },
  'portal.apiDocs.optional': { de: 'optional', en: 'optional' },
  'portal.apiDocs.parameters': { de: 'Parameter', en: 'Parameters' },
  'portal.apiDocs.responses': { de: 'Antworten', en: 'Responses' },
  'portal.apiDocs.status': { de: 'Status', en: 'Status' },
  'portal.apiDocs.meaning': { de: 'Bedeutung', en: 'Meaning' },
  'portal.apiDocs.problems': { de: 'Fehlerarten', en: 'Problem types' },
  'portal.apiDocs.problemsLead': {
    de: 'Fehler sind RFC-9457-Antworten (application/problem+json). Der letzte Teil von type ist der Code.',
    en: 'Errors are RFC 9457 answers (application/problem+json). The last segment of type is the code.',
  },
  'portal.apiDocs.code': { de: 'Code', en: 'Code' },
  'portal.apiDocs.webhooks': { de: 'Webhooks', en: 'Webhooks' },
  'portal.apiDocs.webhooksLead': {
    de: 'Ein Unternehmen kann im Feld webhook seiner company-Nachricht eine https-Adresse angeben. Jedes Ereignis seines Feeds wird dann dorthin gesendet, mindestens einmal, mit abgelöster JWS im Kopf Clearinghouse-Signature, signiert mit dem webhookKey aus /.well-known/clearinghouse.json.',
    en: 'A company may name an https URL in the webhook field of its company message. Each event of its feed is then sent there, at least once, with a detached JWS in the Clearinghouse-Signature header, signed with the webhookKey of /.well-known/clearinghouse.json.',
  },
  'portal.apiDocs.in.query': { de: 'im Query-String', en: 'in the query string' },
  'portal.apiDocs.in.path': { de: 'im Pfad', en: 'in the path' },
  'portal.apiDocs.in.header': { de: 'im Header', en: 'in a header' },
  'portal.apiDocs.signer.public': { de: 'niemand (öffentlich)', en: 'nobody (public)' },
  'portal.apiDocs.signer.company': {
    de: 'ein aktueller Schlüssel des Unternehmens',
    en: 'a current key of the company',
  },
  'portal.apiDocs.signer.company-suspended': {
    de: 'ein aktueller Schlüssel des Unternehmens, auch wenn es ausgesetzt ist',
    en: 'a current key of the company, also while it is suspended',
  },
  'portal.apiDocs.signer.pseudonym': {
    de: 'der paarweise Schlüssel des Pseudonyms',
    en: "the pseudonym's pairwise key",
  },
  'portal.apiDocs.signer.target-or-company': {
    de: 'offene Anfragen: niemand; gezielte: das Ziel-Pseudonym oder das Unternehmen',
    en: 'open requests: nobody; targeted ones: the target pseudonym or the company',
  },
  'portal.apiDocs.signer.each-item': {
    de: 'jeder Eintrag vom Pseudonym, das er nennt',
    en: 'each item by the pseudonym it names',
  },
  'portal.apiDocs.resend': {
    de: 'dieselbe Nachricht wurde schon gespeichert: dieselbe Quittung, nichts geändert',
    en: 'the very same message was stored before: the same receipt, nothing changed',
  },
  'portal.apiDocs.problem.malformed-address': {
    de: 'Der Pfad ist falsch kodiert: ein „%“ ohne zwei Hex-Ziffern danach, oder Bytes, die kein UTF-8 sind. Es wird keine Route gewählt und nichts gezählt.',
    en: 'The path is wrongly encoded: a “%” without two hex digits after it, or bytes that are not UTF-8. No route is chosen and nothing is counted.',
  },
  'portal.apiDocs.problem.not-found': {
    de: 'Unter diesem Pfad gibt es keine API-Route.',
    en: 'There is no API route at this path.',
  },
  'portal.apiDocs.problem.method-not-allowed': {
    de: 'Die Route gibt es, diese Methode nicht.',
    en: 'The route exists, this method does not.',
  },
  'portal.apiDocs.problem.internal': {
    de: 'Ein unerwarteter Fehler; die Einzelheiten stehen nur im Protokoll des Servers.',
    en: 'Something unexpected went wrong; the details stay in the server log.',
  },
  'portal.apiDocs.problem.log-query-invalid': {
    de: 'Ein Parameter der Log-Anfrage fehlt, kommt doppelt vor oder ist keine gültige Zahl oder kein gültiger Hash.',
    en: 'A parameter of the log request is missing, repeated, or not a valid number or hash.',
  },
  'portal.apiDocs.problem.log-size-beyond-tree': {
    de: 'Die genannte Größe ist größer als der aktuelle Baum des Logs.',
    en: 'The size named is larger than the log’s current tree.',
  },
  'portal.apiDocs.problem.log-tile-not-found': {
    de: 'Diese Kachel gibt es (noch) nicht.',
    en: 'There is no such tile (yet).',
  },
  'portal.apiDocs.problem.log-entry-pending': {
    de: 'Die Nachricht ist angenommen, aber noch nicht im Log: in einer Sekunde erneut fragen (Retry-After).',
    en: 'The message was accepted but is not in the log yet: ask again in a second (Retry-After).',
  },
  'portal.apiDocs.problem.log-entry-unknown': {
    de: 'Keine gespeicherte Nachricht hat diesen Hash.',
    en: 'No stored message has this hash.',
  },
  'portal.apiDocs.problem.log-entry-not-logged': {
    de: 'Die Nachricht ist gespeichert, aber ihre Art wird nicht ins Log geschrieben.',
    en: 'The message is stored, but its kind is not written to the log.',
  },
  'portal.apiDocs.problem.log-entry-rejected': {
    de: 'Die Nachricht wurde angenommen, konnte aber nicht ins Log geschrieben werden: ein Fehler der Clearingstelle.',
    en: 'The message was accepted but could not be written to the log: a fault of the clearinghouse.',
  },
  'portal.apiDocs.signer.company-or-staff': {
    de: 'ein Schlüssel des Unternehmens oder eines eingetragenen Mitarbeiters',
    en: 'a key of the company or of an enrolled staff member',
  },
  'portal.apiDocs.signer.person': {
    de: 'der Schlüssel einer eingetragenen Person (Aufsicht oder Mitarbeiter)',
    en: 'the key of an enrolled person (regulator or staff)',
  },
  'portal.apiDocs.signer.manager': {
    de: 'für Mitarbeiter das Unternehmen oder ein Mitarbeiter, für die Aufsicht eine andere Aufsichtsperson',
    en: 'for staff the company or a staff member, for regulators another regulator',
  },
  'portal.apiDocs.op.companyStaff': {
    de: 'Die eingetragenen Mitarbeiter des Unternehmens',
    en: "The company's enrolled staff",
  },
  'portal.apiDocs.op.currentPerson': {
    de: 'Die Person, deren Schlüssel signiert hat',
    en: 'The person whose key signed',
  },
  'portal.apiDocs.op.removePerson': { de: 'Eine Person austragen', en: 'Remove a person' },
  'portal.apiDocs.op.personKey': {
    de: 'Ein Schlüssel einer Person, öffentlich',
    en: "A person's key, public",
  },
  'portal.apiDocs.op.invitePerson': {
    de: 'Einen einmaligen Einladungslink erzeugen',
    en: 'Create a one-time enrolment link',
  },
  'portal.apiDocs.op.openInvitations': {
    de: 'Die offenen Einladungslinks der eigenen Leute',
    en: 'The open enrolment links of one’s own people',
  },
  'portal.apiDocs.op.withdrawInvitation': {
    de: 'Einen offenen Einladungslink zurückziehen',
    en: 'Withdraw an open enrolment link',
  },
  'portal.apiDocs.op.health': { de: 'Zustand und Version', en: 'Health and version' },
  'portal.apiDocs.op.ping': {
    de: 'Antwortet immer „ok“ (Vergleichswert der Lastmessung)',
    en: 'Always answers “ok” (the baseline of the load benchmark)',
  },
  'portal.apiDocs.op.openApiDocument': {
    de: 'Dieses OpenAPI-Dokument',
    en: 'This OpenAPI document',
  },
  'portal.apiDocs.op.registerCompany': {
    de: 'Ein Unternehmen registrieren oder seine Angaben ändern',
    en: 'Register a company or update its profile',
  },
  'portal.apiDocs.op.listCompanies': {
    de: 'Das öffentliche Register mit Vertrauenszahlen',
    en: 'The public registry with trust figures',
  },
  'portal.apiDocs.op.getCompany': {
    de: 'Ein Unternehmen mit seinen Schlüsseln',
    en: 'One company with its keys',
  },
  'portal.apiDocs.op.changeCompanyKey': {
    de: 'Einen Schlüssel hinzufügen, stilllegen oder als kompromittiert melden',
    en: 'Add, retire or declare compromised a key',
  },
  'portal.apiDocs.op.compromisedMessages': {
    de: 'Nachrichten, die mit einem kompromittierten Schlüssel signiert wurden',
    en: 'Messages signed by a compromised key',
  },
  'portal.apiDocs.op.createGrantRequest': {
    de: 'Um Einwilligung bitten (offen oder gezielt)',
    en: 'Ask for consent (open or targeted)',
  },
  'portal.apiDocs.op.getGrantRequest': {
    de: 'Eine Einwilligungsanfrage abrufen',
    en: 'Fetch a grant request',
  },
  'portal.apiDocs.op.submitGrant': { de: 'Eine Einwilligung erteilen', en: 'Submit a grant' },
  'portal.apiDocs.op.submitRefusal': { de: 'Eine Anfrage ablehnen', en: 'Submit a refusal' },
  'portal.apiDocs.op.submitRevocation': {
    de: 'Eine Einwilligung widerrufen',
    en: 'Revoke a grant',
  },
  'portal.apiDocs.op.acknowledgeRevocation': {
    de: 'Einen Widerruf bestätigen',
    en: 'Acknowledge a revocation',
  },
  'portal.apiDocs.op.companyEvents': {
    de: 'Der Feed des Unternehmens: Einwilligungen, Ablehnungen, Widerrufe',
    en: "The company's feed: grants, refusals, revocations",
  },
  'portal.apiDocs.op.companyFindings': {
    de: 'Die Befunde des Unternehmens',
    en: "The company's findings",
  },
  'portal.apiDocs.op.relationships': {
    de: 'Die Beziehungen eines Pseudonyms',
    en: "A pseudonym's relationships",
  },
  'portal.apiDocs.op.relationshipsBatch': {
    de: 'Die Beziehungen vieler Pseudonyme in einem Aufruf',
    en: 'Many pseudonyms\u2019 relationships in one call',
  },
  'portal.apiDocs.signer.regulator': {
    de: 'der eingetragene Schlüssel einer Aufsichtsperson',
    en: "an enrolled regulator's key",
  },
  'portal.apiDocs.signer.complaint-party': {
    de: 'die Aufsicht, das beschwerdeführende Pseudonym oder das betroffene Unternehmen',
    en: 'the regulator, the complaining pseudonym, or the accused company',
  },
  'portal.apiDocs.op.submitDisclosure': {
    de: 'Auskunft geben, welche Daten das Unternehmen über ein Pseudonym hält',
    en: 'Disclose what the company holds about a pseudonym',
  },
  'portal.apiDocs.op.submitDataRequest': {
    de: 'Auskunft oder Löschung beim Unternehmen verlangen',
    en: 'Ask the company for access or erasure',
  },
  'portal.apiDocs.op.answerDataRequest': {
    de: 'Eine Auskunfts- oder Löschanfrage beantworten',
    en: 'Answer an access or erasure request',
  },
  'portal.apiDocs.op.companyDataRequests': {
    de: 'Die Auskunfts- und Löschanfragen an das Unternehmen auflisten',
    en: 'List the access and erasure requests to the company',
  },
  'portal.apiDocs.op.reportAccess': {
    de: 'Datenzugriffe unter Einwilligungen melden',
    en: 'Report uses of data under grants',
  },
  'portal.apiDocs.op.submitComplaint': {
    de: 'Eine Beschwerde mit signiertem Beleg einreichen',
    en: 'Submit a complaint with signed evidence',
  },
  'portal.apiDocs.op.listComplaints': {
    de: 'Beschwerden auflisten (Aufsicht)',
    en: 'List complaints (regulator)',
  },
  'portal.apiDocs.op.getComplaint': {
    de: 'Eine Beschwerde mit ihrer Entscheidung lesen',
    en: 'Read a complaint with its decision',
  },
  'portal.apiDocs.op.decideComplaint': {
    de: 'Über eine Beschwerde entscheiden',
    en: 'Decide a complaint',
  },
  'portal.apiDocs.op.suspendCompany': {
    de: 'Ein Unternehmen sperren oder wieder zulassen',
    en: 'Suspend or reinstate a company',
  },
  'portal.apiDocs.op.submitBlacklist': {
    de: 'Melden, dass ein Unternehmen auf die schwarze Liste gesetzt (oder davon genommen) wurde',
    en: 'Signal that a company was blacklisted (or no longer is)',
  },
  'portal.apiDocs.op.companyBoycott': {
    de: 'Die Boykottzahl eines Unternehmens',
    en: "A company's boycott figure",
  },
  'portal.apiDocs.op.regulatorFindings': {
    de: 'Die Befunde eines Unternehmens (Aufsicht)',
    en: "A company's findings (regulator)",
  },
  'portal.apiDocs.op.sendOffer': {
    de: 'Ein Angebot an das Postfach eines Pseudonyms senden',
    en: "Send an offer to a pseudonym's inbox",
  },
  'portal.apiDocs.op.sendReward': {
    de: 'Eine Belohnung an das Postfach eines Pseudonyms senden',
    en: "Send a reward to a pseudonym's inbox",
  },
  'portal.apiDocs.op.fetchInbox': {
    de: 'Das Postfach des Pseudonyms lesen',
    en: "Read the pseudonym's inbox",
  },
  'portal.apiDocs.op.ackInbox': {
    de: 'Alles bis zu einer Position im Postfach quittieren',
    en: 'Acknowledge the inbox up to a cursor',
  },
  'portal.apiDocs.op.ackInboxItem': {
    de: 'Einen Eintrag im Postfach quittieren',
    en: 'Acknowledge one inbox item',
  },
  'portal.apiDocs.op.sendCorrection': {
    de: 'Eine Berichtigung an das Unternehmen senden',
    en: 'Send a correction to the company',
  },
  'portal.apiDocs.op.listCorrections': {
    de: 'Die wartenden Berichtigungen des Unternehmens',
    en: "The company's waiting corrections",
  },
  'portal.apiDocs.op.ackCorrection': {
    de: 'Eine Berichtigung quittieren',
    en: 'Acknowledge a correction',
  },
  'portal.apiDocs.op.logReceipt': { de: 'Die Quittung des Protokolls', en: 'The log receipt' },
  'portal.apiDocs.op.logInclusionProof': { de: 'Ein Inklusionsbeweis', en: 'An inclusion proof' },
  'portal.apiDocs.op.logConsistencyProof': {
    de: 'Ein Konsistenzbeweis',
    en: 'A consistency proof',
  },
  // /audit: what an outsider needs for the command-line verifier from the source code.
  'portal.audit.cli.needs': {
    de: 'Dafür brauchen Sie den Quellcode dieses Clearinghouse und Node.js 20.19 oder neuer. Wo der Quellcode zu bekommen ist, sagt Ihnen der Betreiber (siehe Impressum). Führen Sie im Ordner des Quellcodes einmal npm install aus, dann:',
    en: 'For this you need the source code of this clearinghouse and Node.js 20.19 or newer. The operator tells you where to get the source code (see the imprint). In the source code’s folder, run npm install once, then:',
  },
  'portal.audit.cli.imprint': { de: 'Zum Impressum', en: 'To the imprint' },
  // /audit: the verifier as one file (scripts/build-verifier.mjs), and the way from the source.
  'portal.audit.cli.file': { de: 'Als eine Datei', en: 'As one file' },
  'portal.audit.cli.source': { de: 'Aus dem Quellcode', en: 'From the source code' },
  'portal.audit.cli.download': {
    de: 'Laden Sie den Prüfer als eine Datei herunter. Er läuft mit Node.js 20.19 oder neuer und braucht sonst nichts: keinen Quellcode und kein npm install.',
    en: 'Download the verifier as one file. It runs with Node.js 20.19 or newer and needs nothing else: no source code and no npm install.',
  },
  'portal.audit.cli.downloadLink': {
    de: 'clearinghouse-verify.mjs herunterladen',
    en: 'Download clearinghouse-verify.mjs',
  },
  'portal.audit.cli.fileSha256': { de: 'SHA-256 der Datei', en: 'SHA-256 of the file' },
  'portal.audit.cli.fileSize': { de: 'Größe', en: 'Size' },
  'portal.audit.cli.bytes': { de: '{bytes} Bytes ({kib} KiB)', en: '{bytes} bytes ({kib} KiB)' },
  'portal.audit.cli.run': {
    de: 'Führen Sie ihn in dem Ordner aus, in dem Sie ihn gespeichert haben:',
    en: 'Run it in the folder you saved it to:',
  },
  'portal.audit.cli.rebuild': {
    de: 'Die Datei wird von scripts/build-verifier.mjs aus scripts/verify.ts im Quellcode dieses Clearinghouse gebaut (npm run build:portal führt es aus). Derselbe Quellcode mit derselben package-lock.json ergibt Byte für Byte dieselbe Datei. Sie müssen ihr also nicht vertrauen: Bauen Sie sie aus dem Quellcode der Version, die hier läuft, mit node scripts/build-verifier.mjs nach und vergleichen Sie ihren SHA-256 (etwa mit sha256sum) mit dem oben.',
    en: 'The file is built from scripts/verify.ts in the source code of this clearinghouse by scripts/build-verifier.mjs (npm run build:portal runs it). The same source code with the same package-lock.json gives the same file, byte for byte. So you need not trust it: rebuild it from the source code of the version running here with node scripts/build-verifier.mjs and compare its SHA-256 (for example with sha256sum) with the one above.',
  },
  'portal.audit.cli.notBuilt': {
    de: 'Dieses Clearinghouse bietet den Prüfer gerade nicht als eine Datei an: Sie ist nicht gebaut. Der Betreiber baut sie mit npm run build:portal (oder node scripts/build-verifier.mjs) im Ordner des Quellcodes.',
    en: 'This clearinghouse does not offer the verifier as one file at the moment: it has not been built. The operator builds it with npm run build:portal (or node scripts/build-verifier.mjs) in the source code’s folder.',
  },
  // The company's domain proof on /company/register, where the general sentence does not fit.
  'portal.register.proof.networkHttp': {
    de: 'Die Verbindung zu Ihrer Domain ist gescheitert. Prüfen Sie, ob der Server unter dieser Adresse läuft und vom Clearinghouse aus erreichbar ist.',
    en: 'The connection to your domain failed. Check that the server at this address is running and reachable from the clearinghouse.',
  },
  'portal.register.proof.companyMismatch': {
    de: 'Die Datei nennt unter „companyId“ ein anderes Unternehmen. Erwartet wird die ID dieses Unternehmens, {id}, wie im gezeigten JSON-Text.',
    en: 'The file names another company under “companyId”. It must name this company’s id, {id}, as in the JSON text shown.',
  },
  'portal.apiDocs.op.consentEventWebhook': {
    de: 'Ein Feed-Ereignis an die Webhook-Adresse des Unternehmens',
    en: "A feed event sent to the company's webhook URL",
  },
  // people: enrolment, passkey login, account (docs/api.md "People")
  'portal.people.nav.account': { de: 'Mein Konto', en: 'My account' },
  'portal.people.nav.login': { de: 'Anmelden', en: 'Log in' },
  'portal.people.nav.logout': { de: 'Abmelden', en: 'Log out' },
  'portal.people.noscript': {
    de: 'Passkeys funktionieren nur mit JavaScript: Der Browser erzeugt und benutzt sie ausschließlich über ein Skript. Bitte schalten Sie JavaScript für diese Seite ein.',
    en: 'Passkeys only work with JavaScript: the browser creates and uses them through a script only. Please turn JavaScript on for this page.',
  },
  'portal.people.unsupported': {
    de: 'Dieser Browser kann keine Passkeys oder keine Ed25519-Schlüssel erzeugen. Bitte verwenden Sie einen aktuellen Chromium, Chrome, Edge, Firefox oder Safari.',
    en: 'This browser cannot create passkeys or Ed25519 keys. Please use a current Chromium, Chrome, Edge, Firefox or Safari.',
  },
  'portal.people.cancelled': {
    de: 'Der Vorgang wurde abgebrochen. Sie können es noch einmal versuchen.',
    en: 'The request was cancelled. You can try again.',
  },
  'portal.people.failed': {
    de: 'Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.',
    en: 'That did not work. Please try again.',
  },
  'portal.people.role.regulator': { de: 'Aufsichtsbehörde', en: 'Regulator' },
  'portal.people.role.staff': { de: 'Mitarbeiterin oder Mitarbeiter', en: 'Company staff' },
  'portal.people.enrol.title': { de: 'Zugang einrichten', en: 'Set up your access' },
  'portal.people.enrol.invalidTitle': {
    de: 'Dieser Link funktioniert nicht',
    en: 'This link does not work',
  },
  'portal.people.enrol.companySuspended': {
    de: 'Das Unternehmen dieses Links ist derzeit ausgesetzt. Der Link funktioniert wieder, sobald die Aufsicht die Aussetzung aufhebt, solange er nicht abgelaufen ist.',
    en: 'The company of this link is suspended at the moment. The link works again once the regulator lifts the suspension, as long as it has not expired.',
  },
  'portal.people.enrol.leadRegulator': {
    de: 'Sie wurden als Aufsichtsperson eingeladen ({name}).',
    en: 'You have been invited as a regulator ({name}).',
  },
  'portal.people.enrol.leadStaff': {
    de: 'Sie wurden eingeladen, für {company} in der Clearingstelle zu arbeiten.',
    en: 'You have been invited to work for {company} in the clearinghouse.',
  },
  'portal.people.enrol.leadRecovery': {
    de: 'Sie richten Ihren Zugang neu ein ({name}). Ihr bisheriger Schlüssel und Ihre bisherigen Passkeys gelten nicht mehr.',
    en: 'You are setting up your access again ({name}). Your previous key and passkeys no longer work.',
  },
  'portal.people.enrol.explain': {
    de: 'Ihr Browser legt dabei zwei Dinge an: einen Passkey, mit dem Sie sich künftig anmelden, und einen Signaturschlüssel, mit dem Sie Ihre Handlungen unterschreiben. Der Signaturschlüssel bleibt in diesem Browser und lässt sich nicht herauskopieren. Verlieren Sie den Browser, braucht es einen neuen Link, den eine andere Person freigibt.',
    en: 'Your browser creates two things: a passkey, with which you log in from now on, and a signing key, with which you sign what you do. The signing key stays in this browser and cannot be copied out. If you lose the browser, you need a new link that someone else approves.',
  },
  'portal.people.enrol.validUntil': {
    de: 'Der Link gilt einmal, bis {time}.',
    en: 'The link works once, until {time}.',
  },
  'portal.people.enrol.name': { de: 'Ihr Name', en: 'Your name' },
  // The name asked at enrolment, checked before the passkey ceremony (people-ceremony.ts).
  'portal.people.enrol.error.nameMissing': {
    de: 'Bitte geben Sie Ihren Namen ein. Leerzeichen allein sind kein Name.',
    en: 'Please enter your name. Spaces alone are not a name.',
  },
  'portal.people.enrol.error.nameTooLong': {
    de: 'Ihr Name darf höchstens 100 Zeichen lang sein.',
    en: 'Your name may be at most 100 characters long.',
  },
  'portal.people.enrol.error.nameCharacters': {
    de: 'Ihr Name enthält ein unsichtbares Zeichen oder ein Steuerzeichen. Bitte tippen Sie ihn neu ein, statt ihn einzufügen.',
    en: 'Your name contains an invisible or control character. Please type it again instead of pasting it.',
  },
  'portal.people.enrol.error.name': {
    de: 'Die Clearingstelle hat diesen Namen nicht angenommen. Bitte prüfen Sie ihn und versuchen Sie es noch einmal.',
    en: 'The clearinghouse did not accept this name. Please check it and try again.',
  },
  'portal.people.enrol.submit': {
    de: 'Passkey und Signaturschlüssel anlegen',
    en: 'Create passkey and signing key',
  },
  'portal.people.enrol.working': {
    de: 'Bitte bestätigen Sie in Ihrem Browser …',
    en: 'Please confirm in your browser …',
  },
  'portal.people.enrol.done': {
    de: 'Fertig. Ihr Passkey und Ihr Signaturschlüssel sind eingerichtet, und Sie sind angemeldet.',
    en: 'Done. Your passkey and signing key are set up, and you are logged in.',
  },
  'portal.people.enrol.toAccount': { de: 'Weiter zu Ihrem Konto', en: 'Go to your account' },
  'portal.people.login.title': { de: 'Anmelden', en: 'Log in' },
  'portal.people.login.lead': {
    de: 'Aufsichtspersonen und Mitarbeitende von Unternehmen melden sich mit ihrem Passkey an.',
    en: 'Regulators and company staff log in with their passkey.',
  },
  'portal.people.login.submit': { de: 'Mit Passkey anmelden', en: 'Log in with passkey' },
  'portal.people.login.working': {
    de: 'Bitte bestätigen Sie in Ihrem Browser …',
    en: 'Please confirm in your browser …',
  },
  'portal.people.login.loggedOut': {
    de: 'Sie sind abgemeldet.',
    en: 'You are logged out.',
  },
  'portal.people.logout.title': { de: 'Abmelden', en: 'Log out' },
  'portal.people.logout.lead': {
    de: 'Möchten Sie sich abmelden? Ihr Passkey und Ihr Signaturschlüssel bleiben erhalten.',
    en: 'Do you want to log out? Your passkey and signing key stay where they are.',
  },
  'portal.people.logout.notLoggedIn': {
    de: 'Sie sind nicht angemeldet.',
    en: 'You are not logged in.',
  },
  'portal.people.account.title': { de: 'Mein Konto', en: 'My account' },
  'portal.people.account.name': { de: 'Name', en: 'Name' },
  'portal.people.account.role': { de: 'Rolle', en: 'Role' },
  'portal.people.account.company': { de: 'Unternehmen', en: 'Company' },
  'portal.people.account.keyId': { de: 'Schlüssel-ID', en: 'Key id' },
  'portal.people.account.signer': { de: 'Sie unterschreiben als', en: 'You sign as' },
  'portal.people.account.noKey': {
    de: 'Ihr Signaturschlüssel wurde stillgelegt. Bitten Sie um einen neuen Link.',
    en: 'Your signing key has been retired. Please ask for a new link.',
  },
  'portal.people.account.keyHere': {
    de: 'Dieser Browser hält Ihren Signaturschlüssel.',
    en: 'This browser holds your signing key.',
  },
  'portal.people.account.keyElsewhere': {
    de: 'Dieser Browser hält Ihren Signaturschlüssel nicht. Unterschreiben können Sie nur in dem Browser, in dem Sie sich eingerichtet haben.',
    en: 'This browser does not hold your signing key. You can sign only in the browser in which you enrolled.',
  },
  'portal.people.account.check': {
    de: 'Unterschrift prüfen lassen',
    en: 'Have my signature checked',
  },
  'portal.people.account.checked': {
    de: 'Die Clearingstelle hat eine mit Ihrem Schlüssel unterschriebene Anfrage geprüft: Sie unterschreiben als {signer}.',
    en: 'The clearinghouse verified a request signed with your key: you sign as {signer}.',
  },
  // Accessibility fixes (reflow, region names, error page title, /me without an Assistant).
  'portal.table.scrollRegion': {
    de: '{name} (Tabelle, scrollbar)',
    en: '{name} (table, scrollable)',
  },
  'portal.error.notFound.title': { de: 'Seite nicht gefunden', en: 'Page not found' },
  'portal.me.noAssistant.said': {
    de: 'Kein Assistent hat geantwortet. Was Sie dafür brauchen, steht unten unter „{section}“.',
    en: 'No Assistant answered. What you need for this is explained below under “{section}”.',
  },
  // /me without an Assistant, for the customer: what to install and where it comes from (`/`'s
  // install section where this clearinghouse offers the downloads, else its operator); how to
  // build and load it from source is the README's, and the developers' hint says so.
  'portal.me.install.get': {
    de: 'Installieren Sie in diesem Browser die Browser-Erweiterung „Einwilligungs-Assistent“ (es gibt sie für Chromium und Firefox). Woher Sie sie bekommen, erfahren Sie beim Betreiber dieser Clearingstelle.',
    en: 'Install the “Consent Assistant” browser extension in this browser (it is available for Chromium and Firefox). Ask the operator of this clearinghouse where to get it.',
  },
  'portal.me.install.operator': {
    de: 'So erreichen Sie den Betreiber (Impressum)',
    en: 'How to reach the operator (imprint)',
  },
  // Where it offers downloads, only the browsers it offers are named (assistant-downloads.ts):
  // a Firefox user is not sent to a home page with only the Chromium download, nor the reverse.
  'portal.me.install.downloadBoth': {
    de: 'Installieren Sie in diesem Browser die Browser-Erweiterung „Einwilligungs-Assistent“ (es gibt sie für Chromium und Firefox). Diese Clearingstelle bietet sie auf ihrer Startseite zum Herunterladen an, mit den Schritten für Ihren Browser.',
    en: 'Install the “Consent Assistant” browser extension in this browser (it is available for Chromium and Firefox). This clearinghouse offers it for download on its home page, with the steps for your browser.',
  },
  'portal.me.install.downloadChromium': {
    de: 'Installieren Sie in diesem Browser die Browser-Erweiterung „Einwilligungs-Assistent“. Diese Clearingstelle bietet sie nur für Chromium, Chrome und Edge an: auf ihrer Startseite zum Herunterladen, mit den Schritten zur Installation.',
    en: 'Install the “Consent Assistant” browser extension in this browser. This clearinghouse offers it only for Chromium, Chrome and Edge: for download on its home page, with the steps to install it.',
  },
  'portal.me.install.downloadFirefox': {
    de: 'Installieren Sie in diesem Browser die Browser-Erweiterung „Einwilligungs-Assistent“. Diese Clearingstelle bietet sie nur für Firefox an: auf ihrer Startseite zum Herunterladen, mit den Schritten zur Installation.',
    en: 'Install the “Consent Assistant” browser extension in this browser. This clearinghouse offers it only for Firefox: for download on its home page, with the steps to install it.',
  },
  // /me when its search or filter leaves no company: said as on the registry (/companies), with
  // a button that clears both.
  'portal.me.noMatch': {
    de: 'Kein Unternehmen passt zu dieser Suche und Auswahl.',
    en: 'No company matches this search and filter.',
  },
  'portal.me.showAll': { de: 'Alle zeigen', en: 'Show all' },
  'portal.me.install.downloadLink': {
    de: 'Zum Herunterladen (Startseite)',
    en: 'Go to the download (home page)',
  },
  'portal.me.install.developers': {
    de: 'Für Entwicklerinnen und Entwickler: Aus dem Quelltext gebaut, liegt der Assistent in {chromium} und {firefox}; wie Sie ihn laden, steht in der README.',
    en: 'For developers: built from source, the Assistant is in {chromium} and {firefox}; the README says how to load it.',
  },
} as const satisfies Record<string, Entry>;
