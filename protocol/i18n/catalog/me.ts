import type { Entry } from '../index';

/**
 * Text of "all my data at a glance" (issue 9): the portal's /me page and the Assistant's window
 * that confirms an action started there.
 */
export const me = {
  'portal.nav.me': { de: 'Meine Daten', en: 'My data' },
  'portal.me.title': { de: 'Alle meine Daten auf einen Blick', en: 'All my data at a glance' },
  'portal.me.lead': {
    de: 'Ihr Assistent liest, was Unternehmen über Sie halten und was Sie ihnen erlaubt haben, und zeigt es hier. Die Clearingstelle sieht diese Übersicht nicht: Sie entsteht in Ihrem Browser.',
    en: 'Your Assistant reads what companies hold about you and what you allowed them, and shows it here. The clearinghouse does not see this overview: it is put together in your browser.',
  },
  'portal.me.load': { de: 'Meine Daten anzeigen', en: 'Show my data' },
  'portal.me.loading': {
    de: 'Ihr Assistent fragt die Clearingstelle …',
    en: 'Your Assistant is asking the clearinghouse …',
  },
  'portal.me.noAssistant.title': {
    de: 'Dafür brauchen Sie den Assistenten',
    en: 'This needs the Assistant',
  },
  'portal.me.noAssistant.body': {
    de: 'Diese Seite zeigt nur, was Ihr Assistent ihr gibt: Ihre Schlüssel und Ihre Daten bleiben auf Ihrem Gerät. In diesem Browser hat kein Assistent geantwortet.',
    en: 'This page shows only what your Assistant hands it: your keys and your data stay on your device. No Assistant answered in this browser.',
  },
  'portal.me.noAssistant.step2': {
    de: 'Legen Sie im Assistenten Ihre Passphrase fest und notieren Sie die 24 Wörter zur Wiederherstellung.',
    en: 'Set your passphrase in the Assistant and write down the 24 recovery words.',
  },
  'portal.me.noAssistant.step3': {
    de: 'Laden Sie diese Seite neu und wählen Sie „Meine Daten anzeigen“.',
    en: 'Reload this page and choose “Show my data”.',
  },
  'portal.me.retry': { de: 'Erneut versuchen', en: 'Try again' },
  // The vault is locked (ERR_VAULT_LOCKED): the steps to unlock by hand, beneath the button that
  // asks the Assistant to open its unlock prompt (an older Assistant cannot). The names in quotes
  // are the Assistant's own (extension.popup.openDashboard, extension.unlock.*,
  // common.assistantName).
  'portal.me.locked.title': {
    de: 'So entsperren Sie Ihren Assistenten',
    en: 'How to unlock your Assistant',
  },
  'portal.me.locked.step1': {
    de: 'Öffnen Sie den Assistenten über sein Symbol „{name}“ in der Symbolleiste des Browsers. Steht es dort nicht, finden Sie es im Menü der Erweiterungen (Puzzleteil-Symbol).',
    en: 'Open the Assistant with its icon, “{name}”, in the browser’s toolbar. If it is not there, it is in the extensions menu (the puzzle-piece icon).',
  },
  'portal.me.locked.step2': {
    de: 'Wählen Sie „{open}“, geben Sie unter „{title}“ Ihre Passphrase ein und wählen Sie „{unlock}“.',
    en: 'Choose “{open}”, enter your passphrase under “{title}” and choose “{unlock}”.',
  },
  'portal.me.locked.step3': {
    de: 'Kommen Sie zu dieser Seite zurück und wählen Sie „{retry}“.',
    en: 'Come back to this page and choose “{retry}”.',
  },
  // The button that asks the Assistant to open its unlock prompt (protocol/connect `unlock`), and
  // what came of it; the steps above stay beneath it for an Assistant that cannot.
  'portal.me.locked.open': {
    de: 'Assistenten zum Entsperren öffnen',
    en: 'Open the Assistant to unlock it',
  },
  'portal.me.locked.opening': {
    de: 'Ihr Assistent wird geöffnet …',
    en: 'Opening your Assistant …',
  },
  'portal.me.locked.opened': {
    de: 'Ihr Assistent ist in einem eigenen Tab geöffnet. Entsperren Sie ihn dort mit Ihrer Passphrase und kommen Sie dann zu dieser Seite zurück: Sie zeigt Ihre Daten dann von selbst.',
    en: 'Your Assistant is open in a tab of its own. Unlock it there with your passphrase, then come back to this page: it shows your data by itself.',
  },
  'portal.me.locked.notOpened': {
    de: 'Ihr Assistent konnte sein Entsperren nicht öffnen (eine ältere Version kann das noch nicht). Bitte entsperren Sie ihn wie unten beschrieben.',
    en: 'Your Assistant could not open its unlock screen (an older version cannot do this yet). Please unlock it as described below.',
  },
  'portal.me.locked.byHand': {
    de: 'Oder von Hand:',
    en: 'Or by hand:',
  },
  'portal.me.error': {
    de: 'Ihr Assistent konnte die Übersicht nicht liefern: {reason}',
    en: 'Your Assistant could not provide the overview: {reason}',
  },
  'portal.me.empty': {
    de: 'Ihr Assistent kennt noch keine Beziehung zu einem Unternehmen.',
    en: 'Your Assistant does not know of any relationship with a company yet.',
  },
  'portal.me.summary.companies': {
    de: {
      one: '{count} Unternehmen hält Daten über Sie oder hat Sie um Erlaubnis gefragt',
      other: '{count} Unternehmen halten Daten über Sie oder haben Sie um Erlaubnis gefragt',
    },
    en: {
      one: '{count} company holds data about you or asked for your permission',
      other: '{count} companies hold data about you or asked for your permission',
    },
  },
  'portal.me.summary.active': {
    de: '{count} mit gültiger Einwilligung',
    en: '{count} with a valid consent',
  },
  'portal.me.summary.sensitive': {
    de: { one: '{count} hält sensible Daten', other: '{count} halten sensible Daten' },
    en: { one: '{count} holds sensitive data', other: '{count} hold sensitive data' },
  },
  'portal.me.summary.location': {
    de: { one: '{count} hält Standortdaten', other: '{count} halten Standortdaten' },
    en: { one: '{count} holds location data', other: '{count} hold location data' },
  },
  'portal.me.summary.overdueRevocations': {
    de: { one: '{count} Widerruf überfällig', other: '{count} Widerrufe überfällig' },
    en: { one: '{count} revocation overdue', other: '{count} revocations overdue' },
  },
  'portal.me.summary.openRequests': {
    de: {
      one: '{count} Auskunfts- oder Löschanfrage offen',
      other: '{count} Auskunfts- oder Löschanfragen offen',
    },
    en: {
      one: '{count} access or erasure request open',
      other: '{count} access or erasure requests open',
    },
  },
  'portal.me.summary.overdueRequests': {
    de: { one: '{count} Anfrage überfällig', other: '{count} Anfragen überfällig' },
    en: { one: '{count} request overdue', other: '{count} requests overdue' },
  },
  'portal.me.filter.label': { de: 'Filtern und sortieren', en: 'Filter and sort' },
  'portal.me.filter.search': { de: 'Unternehmen suchen', en: 'Search companies' },
  'portal.me.filter.show': { de: 'Anzeigen', en: 'Show' },
  'portal.me.filter.all': { de: 'Alle', en: 'All' },
  'portal.me.filter.active': { de: 'Mit gültiger Einwilligung', en: 'With a valid consent' },
  'portal.me.filter.sensitive': { de: 'Mit sensiblen Daten', en: 'Holding sensitive data' },
  'portal.me.filter.open': {
    de: 'Mit offenen Widerrufen oder Anfragen',
    en: 'With open revocations or requests',
  },
  'portal.me.sort.label': { de: 'Sortieren nach', en: 'Sort by' },
  'portal.me.sort.name': { de: 'Name', en: 'Name' },
  'portal.me.sort.until': { de: 'Einwilligung gültig bis', en: 'Consent valid until' },
  'portal.me.sort.categories': { de: 'Anzahl Datenarten', en: 'Number of data categories' },
  'portal.me.sort.open': { de: 'Offene Vorgänge', en: 'Open matters' },
  'portal.me.onThisPage': { de: 'Auf dieser Seite', en: 'On this page' },
  'portal.me.companies.title': { de: 'Ihre Unternehmen', en: 'Your companies' },
  'portal.me.jump.companies': {
    de: 'Ihre Unternehmen ({count})',
    en: 'Your companies ({count})',
  },
  'portal.me.shown': {
    de: { one: '{shown} von {count} Unternehmen', other: '{shown} von {count} Unternehmen' },
    en: { one: '{shown} of {count} company', other: '{shown} of {count} companies' },
  },
  'portal.me.col.company': { de: 'Unternehmen', en: 'Company' },
  'portal.me.col.allowed': { de: 'Erlaubt', en: 'Allowed' },
  'portal.me.col.held': { de: 'Gehaltene Daten', en: 'Data held' },
  'portal.me.col.activity': { de: 'Angebote und Prämien', en: 'Offers and rewards' },
  'portal.me.col.open': { de: 'Vorgänge', en: 'Matters' },
  'portal.me.col.actions': { de: 'Aktionen', en: 'Actions' },
  'portal.me.suspended': { de: 'ausgesetzt', en: 'suspended' },
  'portal.me.grant.until': { de: 'bis {date}', en: 'until {date}' },
  'portal.me.grant.none': { de: 'Keine gültige Einwilligung', en: 'No valid consent' },
  'portal.me.grant.revoked': { de: 'widerrufen', en: 'revoked' },
  'portal.me.grant.expired': { de: 'abgelaufen', en: 'expired' },
  'portal.me.refusals': {
    de: { one: '{count} Ablehnung', other: '{count} Ablehnungen' },
    en: { one: '{count} refusal', other: '{count} refusals' },
  },
  'portal.me.held.none': { de: 'Noch keine Auskunft erteilt', en: 'No disclosure yet' },
  'portal.me.held.source': { de: 'Herkunft: {sources}', en: 'Source: {sources}' },
  'portal.me.held.retention': {
    de: { one: 'Aufbewahrung: {count} Tag', other: 'Aufbewahrung: {count} Tage' },
    en: { one: 'Retention: {count} day', other: 'Retention: {count} days' },
  },
  'portal.me.held.recipients': { de: 'Empfänger: {names}', en: 'Recipients: {names}' },
  'portal.me.held.noRecipients': { de: 'Keine Empfänger', en: 'No recipients' },
  'portal.me.held.disclosedAt': { de: 'Auskunft vom {date}', en: 'Disclosed on {date}' },
  'portal.me.held.erased': {
    de: 'am {date} gelöscht (vom Unternehmen bestätigt)',
    en: 'erased on {date} (confirmed by the company)',
  },
  'portal.me.sensitive': { de: 'sensibel', en: 'sensitive' },
  'portal.me.export': { de: 'Export der Daten', en: 'Export of the data' },
  'portal.me.export.none': { de: 'Kein Export mitgeschickt', en: 'No export sent' },
  // `held`: offers the Assistant keeps for later (quiet hours, outside the times the consent
  // allows, the week's limit reached); they are delivered when their time comes.
  'portal.me.offers': {
    de: {
      one: '{count} Angebot: {delivered} zugestellt, {held} auf später verschoben, {hidden} ausgeblendet',
      other:
        '{count} Angebote: {delivered} zugestellt, {held} auf später verschoben, {hidden} ausgeblendet',
    },
    en: {
      one: '{count} offer: {delivered} delivered, {held} waiting to be delivered later, {hidden} hidden',
      other:
        '{count} offers: {delivered} delivered, {held} waiting to be delivered later, {hidden} hidden',
    },
  },
  // Two counts, two entries: each names its own noun in the form its count asks for.
  'portal.me.rewards': {
    de: { one: '{count} Prämie', other: '{count} Prämien' },
    en: { one: '{count} reward', other: '{count} rewards' },
  },
  'portal.me.rewards.points': {
    de: { one: '{count} Punkt', other: '{count} Punkte' },
    en: { one: '{count} point', other: '{count} points' },
  },
  'portal.me.rewards.discount': { de: 'bester Rabatt {percent} %', en: 'best discount {percent}%' },
  'portal.me.complaints': {
    de: { one: '{count} Beschwerde eingereicht', other: '{count} Beschwerden eingereicht' },
    en: { one: '{count} complaint submitted', other: '{count} complaints submitted' },
  },
  'portal.me.complaints.drafts': {
    de: { one: '{count} Entwurf', other: '{count} Entwürfe' },
    en: { one: '{count} draft', other: '{count} drafts' },
  },
  'portal.me.revocation.open': {
    de: 'Widerruf vom {date}: noch nicht bestätigt',
    en: 'Revocation of {date}: not confirmed yet',
  },
  'portal.me.revocation.overdue': {
    de: 'Widerruf vom {date}: Bestätigung überfällig',
    en: 'Revocation of {date}: confirmation overdue',
  },
  'portal.me.revocation.done': {
    de: 'Widerruf vom {date}: bestätigt',
    en: 'Revocation of {date}: confirmed',
  },
  'portal.me.request.access': { de: 'Auskunft', en: 'Access' },
  'portal.me.request.erasure': { de: 'Löschung', en: 'Erasure' },
  'portal.me.request.open': {
    de: '{type} angefragt, Frist {date}',
    en: '{type} requested, due {date}',
  },
  'portal.me.request.overdue': {
    de: '{type} angefragt, Frist {date} überschritten',
    en: '{type} requested, {date} deadline passed',
  },
  'portal.me.request.answered': { de: '{type} beantwortet', en: '{type} answered' },
  // What the company answered, as the Assistant verified it (the Assistant's own words:
  // extension.relationships.answer.*); `answered` stays for an answer whose outcome it did not hand on.
  'portal.me.request.disclosure': {
    de: '{type}: beantwortet mit einer Auskunft',
    en: '{type}: answered with a disclosure',
  },
  'portal.me.request.erased': {
    de: '{type}: Das Unternehmen bestätigt die Löschung.',
    en: '{type}: the company confirms the erasure.',
  },
  'portal.me.request.refused': { de: '{type}: abgelehnt', en: '{type}: refused' },
  // An access request answered `refused` while the Assistant knows of nothing the company still
  // holds (view.ts `dataRequestState`): how a company says "we hold no data about you", as the
  // protocol has no such answer (a disclosure lists at least one holding). Not called refused;
  // nor does the page say the company holds nothing: its own words follow (`words`).
  'portal.me.request.noData': {
    de: '{type}: beantwortet, ohne Daten zu nennen',
    en: '{type}: answered without naming any data',
  },
  'portal.me.request.words': {
    de: 'Antwort des Unternehmens: {reason}',
    en: 'The company’s words: {reason}',
  },
  'portal.me.request.reason': {
    de: 'Begründung des Unternehmens: {reason}',
    en: 'The company’s reason: {reason}',
  },
  'portal.me.request.retained': {
    de: 'Teilweise aufbewahrt. Begründung des Unternehmens: {reason}',
    en: 'Kept in part. The company’s reason: {reason}',
  },
  'portal.me.nothingOpen': { de: 'Nichts offen', en: 'Nothing open' },
  'portal.me.action.revoke': { de: 'Widerrufen', en: 'Revoke' },
  'portal.me.action.access': { de: 'Auskunft verlangen', en: 'Request access' },
  'portal.me.action.erasure': { de: 'Löschung verlangen', en: 'Request erasure' },
  'portal.me.action.for': { de: '{action}: {company}', en: '{action}: {company}' },
  'portal.me.action.pending': {
    de: 'Bitte bestätigen Sie im Fenster Ihres Assistenten.',
    en: 'Please confirm in your Assistant’s window.',
  },
  'portal.me.action.done': { de: 'Erledigt.', en: 'Done.' },
  'portal.me.action.cancelled': { de: 'Abgebrochen.', en: 'Cancelled.' },
  'portal.me.correct.title': {
    de: 'Daten einmal für alle berichtigen',
    en: 'Correct data once for every holder',
  },
  'portal.me.correct.body': {
    de: 'Wählen Sie die Datenart; den richtigen Wert geben Sie im Fenster Ihres Assistenten ein, der ihn verschlüsselt an jedes Unternehmen schickt, das diese Daten hält.',
    en: 'Choose the data category; you type the correct value in your Assistant’s window, which sends it encrypted to every company holding that data.',
  },
  'portal.me.correct.category': { de: 'Datenart', en: 'Data category' },
  'portal.me.correct.start': { de: 'Berichtigen', en: 'Correct' },
  'portal.me.exportJson': { de: 'Als JSON speichern', en: 'Save as JSON' },
  'portal.me.print': { de: 'Drucken', en: 'Print' },
  'portal.me.asOf': { de: 'Stand: {date}', en: 'As of {date}' },
  'portal.me.updating': {
    de: 'Stand: {date}, wird aktualisiert …',
    en: 'As of {date}, updating …',
  },
  'portal.me.updatingNever': {
    de: 'Gespeicherter Stand Ihres Assistenten, wird aktualisiert …',
    en: 'Your Assistant’s stored copy, updating …',
  },
  'portal.me.refreshFailed': {
    de: 'Stand: {date}. Aktualisieren ging nicht: {reason}',
    en: 'As of {date}. Updating failed: {reason}',
  },
  'portal.me.col.used': { de: 'Zuletzt genutzt', en: 'Last used' },
  'portal.me.used.none': { de: 'Keine Nutzung gemeldet', en: 'No use reported' },
  'portal.me.used.event': {
    de: '{categories} für {purpose}, {date}',
    en: '{categories} for {purpose}, {date}',
  },
  'portal.me.used.count': { de: '({count}-mal)', en: '({count} times)' },
  'portal.me.used.outOfScope': {
    de: 'nicht von Ihrer Einwilligung gedeckt',
    en: 'not covered by your consent',
  },
  'portal.me.complaint.draft': {
    de: 'Beschwerde-Entwurf vom {date}: noch nicht eingereicht',
    en: 'Complaint draft of {date}: not submitted yet',
  },
  'portal.me.complaint.open': {
    de: 'Beschwerde vom {date}: liegt der Aufsicht vor',
    en: 'Complaint of {date}: with the regulator',
  },
  'portal.me.complaint.upheld': {
    de: 'Beschwerde vom {date}: am {decided} stattgegeben',
    en: 'Complaint of {date}: upheld on {decided}',
  },
  'portal.me.complaint.dismissed': {
    de: 'Beschwerde vom {date}: am {decided} abgewiesen',
    en: 'Complaint of {date}: dismissed on {decided}',
  },
  'portal.me.complaint.reason': {
    de: 'Begründung der Aufsicht: {reason}',
    en: 'The regulator’s reason: {reason}',
  },
  'portal.me.complaint.unverified': {
    de: 'Ihr Assistent konnte die Unterschrift der Aufsicht unter dieser Entscheidung nicht prüfen; die Begründung wird deshalb nicht angezeigt.',
    en: 'Your Assistant could not verify the regulator’s signature on this decision, so its reason is not shown.',
  },
  'extension.action.title': { de: 'Bitte bestätigen', en: 'Please confirm' },
  'extension.action.from': {
    de: 'Die Seite „Meine Daten“ der Clearingstelle möchte, dass Ihr Assistent Folgendes tut:',
    en: 'The clearinghouse’s “My data” page asks your Assistant to:',
  },
  'extension.action.revoke': {
    de: 'Jede Einwilligung widerrufen, die Sie dem Unternehmen {company} gegeben haben. Das gilt sofort und wird signiert im Protokoll festgehalten.',
    en: 'Revoke every consent you gave the company {company}. This takes effect at once and is recorded, signed, in the log.',
  },
  'extension.action.access': {
    de: 'Das Unternehmen {company} um Auskunft bitten, welche Daten es über Sie speichert (Art. 15 DSGVO).',
    en: 'Ask the company {company} which data it holds about you (GDPR Art. 15).',
  },
  'extension.action.erasure': {
    de: 'Das Unternehmen {company} auffordern, alle Daten zu löschen, die es über Sie speichert (Art. 17 DSGVO).',
    en: 'Ask the company {company} to erase all data it holds about you (GDPR Art. 17).',
  },
  'extension.action.correct': {
    de: '„{category}“ bei jedem Unternehmen berichtigen, das diese Daten hält: {companies}.',
    en: 'Correct “{category}” at every company holding it: {companies}.',
  },
  'extension.action.noHolders': {
    de: 'Kein Unternehmen hält diese Daten mit einer gültigen Einwilligung.',
    en: 'No company holds this data under a valid consent.',
  },
  'extension.action.value': { de: 'Richtiger Wert', en: 'Correct value' },
  'extension.action.confirm': { de: 'Bestätigen', en: 'Confirm' },
  'extension.action.cancel': { de: 'Abbrechen', en: 'Cancel' },
  // Escape leaves the window as closing it would: nothing is signed, the page hears `cancelled`.
  'extension.action.escapeHint': {
    de: 'Die Esc-Taste schließt dieses Fenster, ohne etwas zu ändern.',
    en: 'The Esc key closes this window without changing anything.',
  },
  'extension.action.done': { de: 'Erledigt.', en: 'Done.' },
  'extension.action.cancelled': { de: 'Nichts geändert.', en: 'Nothing changed.' },
  'extension.action.loading': { de: 'Wird geladen …', en: 'Loading …' },
  // the Assistant fell silent (/me: assistant-wait.ts)
  'portal.me.action.notReached': {
    de: 'Ihr Assistent hat nicht geantwortet; die Aktion hat ihn nicht erreicht und wurde nicht ausgeführt. Prüfen Sie, ob der Assistent in diesem Browser installiert und entsperrt ist, und versuchen Sie es dann erneut.',
    en: 'Your Assistant did not answer; the action did not reach it and was not carried out. Check that the Assistant is installed in this browser and unlocked, then try again.',
  },
  'portal.me.action.unknown': {
    de: 'Ihr Assistent antwortet nicht mehr. Ob die Aktion ausgeführt wurde, ist unbekannt: Prüfen Sie, ob der Assistent installiert und entsperrt ist, laden Sie diese Seite neu und sehen Sie in „Meine Daten anzeigen“ nach, bevor Sie es erneut versuchen.',
    en: 'Your Assistant stopped answering. Whether the action was carried out is unknown: check that the Assistant is installed and unlocked, reload this page and look under “Show my data” before you try again.',
  },
  'portal.me.viewSilent': {
    de: 'Ihr Assistent hat nicht rechtzeitig geantwortet. Prüfen Sie, ob er installiert und entsperrt ist, laden Sie diese Seite neu und versuchen Sie es dann erneut.',
    en: 'Your Assistant did not answer in time. Check that it is installed and unlocked, reload this page, then try again.',
  },
} as const satisfies Record<string, Entry>;
