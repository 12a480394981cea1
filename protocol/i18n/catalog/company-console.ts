import type { Entry } from '../index';

/** Text of the portal's company console (`/company`, `/company/register`; issue 10). */
export const companyConsole = {
  'portal.nav.company': { de: 'Unternehmenskonsole', en: 'Company console' },
  'portal.console.title': { de: 'Unternehmenskonsole', en: 'Company console' },
  'portal.console.noscript': {
    de: 'Ohne JavaScript sehen Sie hier alles, können aber nichts unterschreiben: Ihre Schlüssel bleiben in Ihrem Browser, und nur er kann mit ihnen unterschreiben.',
    en: 'Without JavaScript you see everything here but cannot sign anything: your keys stay in your browser, and only it can sign with them.',
  },
  'portal.console.needsScript': {
    de: 'Diese Aktion wird in Ihrem Browser unterschrieben und braucht deshalb JavaScript.',
    en: 'This action is signed in your browser and therefore needs JavaScript.',
  },
  'portal.console.failed': {
    de: 'Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.',
    en: 'That did not work. Please try again.',
  },
  'portal.console.sessionEnded': {
    de: 'Ihre Sitzung ist abgelaufen. Melden Sie sich in einem anderen Tab neu an und senden Sie dies dann noch einmal; was Sie eingegeben haben, steht noch hier.',
    en: 'Your session has ended. Log in again in another tab, then send this again; what you typed is still here.',
  },
  'portal.console.notStaff': {
    de: 'Die Unternehmenskonsole steht nur Mitarbeiterinnen und Mitarbeitern eines registrierten Unternehmens offen.',
    en: 'The company console is open only to the staff of a registered company.',
  },
  'portal.console.id': { de: 'Unternehmens-ID', en: 'Company id' },
  'portal.console.status': { de: 'Status', en: 'Status' },
  'portal.console.domain': { de: 'Domain', en: 'Domain' },
  'portal.console.signedInAs': { de: 'Angemeldet als', en: 'Signed in as' },
  'portal.console.state.pending': {
    de: 'Registriert, Domain noch nicht nachgewiesen',
    en: 'Registered, domain not yet proven',
  },
  'portal.console.state.active': { de: 'Aktiv', en: 'Active' },
  'portal.console.state.suspended': { de: 'Ausgesetzt', en: 'Suspended' },
  'portal.console.none': { de: 'Keine Einträge.', en: 'Nothing here.' },
  'portal.console.actions': { de: 'Aktionen', en: 'Actions' },
  'portal.console.pseudonym': { de: 'Pseudonym', en: 'Pseudonym' },
  'portal.console.personKey.missing': {
    de: 'Dieser Browser hält Ihren persönlichen Signaturschlüssel nicht. Quittieren, Antworten und Einladen geht nur in dem Browser, in dem Sie sich eingerichtet haben.',
    en: 'This browser does not hold your personal signing key. Acknowledging, answering and inviting work only in the browser in which you enrolled.',
  },

  // registration
  'portal.console.register.title': { de: 'Unternehmen registrieren', en: 'Register a company' },
  'portal.console.register.lead': {
    de: 'Registrieren Sie Ihr Unternehmen, um Kundinnen und Kunden nachweisbar um Einwilligung zu bitten. Ihr Unternehmensschlüssel entsteht in Ihrem Browser; die Clearingstelle sieht und speichert nie seinen privaten Teil.',
    en: 'Register your company to ask customers for consent in a provable way. Your company key is created in your browser; the clearinghouse never sees or stores its private part.',
  },
  'portal.console.register.legalName': { de: 'Firmenname', en: 'Legal name' },
  'portal.console.register.registerId': {
    de: 'Handelsregistereintrag',
    en: 'Commercial register entry',
  },
  'portal.console.register.domain': {
    de: 'Domain (Origin, z. B. https://shop.example)',
    en: 'Domain (origin, e.g. https://shop.example)',
  },
  'portal.console.register.email': { de: 'Kontakt-E-Mail', en: 'Contact e-mail' },
  'portal.console.register.purposes': {
    de: 'Zwecke, für die Sie um Einwilligung bitten werden',
    en: 'Purposes you will ask consent for',
  },
  'portal.console.register.brands': {
    de: 'Marken (durch Kommas getrennt, optional)',
    en: 'Brands (comma-separated, optional)',
  },
  'portal.console.register.keyMode': { de: 'Unternehmensschlüssel', en: 'Company key' },
  'portal.console.register.generate': {
    de: 'Neuen Schlüssel in diesem Browser erzeugen',
    en: 'Generate a new key in this browser',
  },
  'portal.console.register.import': {
    de: 'Eigenen Schlüssel verwenden (öffentlichen Schlüssel importieren)',
    en: 'Use your own key (import a public key)',
  },
  'portal.console.register.generateExplain': {
    de: 'Nach der Registrierung können Sie den privaten Schlüssel genau einmal als Datei herunterladen. Er wird nicht an die Clearingstelle gesendet.',
    en: 'After registering you can download the private key exactly once as a file. It is not sent to the clearinghouse.',
  },
  'portal.console.register.importExplain': {
    de: 'Fügen Sie Ihren öffentlichen Schlüssel (JWK, Ed25519) ein. Die Seite zeigt die Registrierung, die Sie mit Ihrem eigenen Werkzeug als company+jws unterschreiben; fügen Sie das Ergebnis unten ein.',
    en: 'Paste your public key (JWK, Ed25519). The page shows the registration to sign with your own tool as company+jws; paste the result below.',
  },
  'portal.console.register.publicKey': {
    de: 'Öffentlicher Schlüssel (JWK)',
    en: 'Public key (JWK)',
  },
  'portal.console.register.prepare': {
    de: 'Zu unterschreibende Registrierung zeigen',
    en: 'Show the registration to sign',
  },
  'portal.console.register.signThis': {
    de: 'Unterschreiben Sie diese Nutzdaten (innerhalb von 10 Minuten):',
    en: 'Sign this payload (within 10 minutes):',
  },
  'portal.console.register.signed': {
    de: 'Unterschriebene Registrierung (kompaktes JWS)',
    en: 'Signed registration (compact JWS)',
  },
  'portal.console.register.submit': { de: 'Registrieren', en: 'Register' },
  'portal.console.register.done': {
    de: 'Ihr Unternehmen ist registriert',
    en: 'Your company is registered',
  },
  'portal.console.register.keyFile': { de: 'Ihr privater Schlüssel', en: 'Your private key' },
  'portal.console.register.keyFileExplain': {
    de: 'Laden Sie den privaten Schlüssel jetzt herunter und bewahren Sie ihn sicher auf: Er wird nur dieses eine Mal angeboten, und wer die Datei hat, kann für Ihr Unternehmen unterschreiben.',
    en: 'Download the private key now and keep it safe: it is offered this once only, and whoever holds the file can sign for your company.',
  },
  'portal.console.register.download': {
    de: 'Privaten Schlüssel herunterladen',
    en: 'Download the private key',
  },
  'portal.console.register.downloaded': {
    de: 'Der Schlüssel wurde angeboten. Diese Seite zeigt ihn nicht noch einmal.',
    en: 'The key has been offered. This page will not show it again.',
  },
  'portal.console.register.staffLink': {
    de: 'Zugang für Ihre Mitarbeitenden',
    en: 'Access for your staff',
  },
  'portal.console.register.staffExplain': {
    de: 'Mit diesem Link (24 Stunden gültig, einmal nutzbar) richtet die erste Person Ihres Unternehmens ihren Passkey ein; danach lädt sie weitere ein.',
    en: 'With this link (valid for 24 hours, usable once) the first person of your company sets up their passkey; they then invite others.',
  },
  'portal.console.register.error.legalName': {
    de: 'Bitte geben Sie den Firmennamen an (höchstens 200 Zeichen).',
    en: 'Please enter the legal name (at most 200 characters).',
  },
  'portal.console.register.error.registerId': {
    de: 'Bitte geben Sie den Handelsregistereintrag an (höchstens 100 Zeichen).',
    en: 'Please enter the commercial register entry (at most 100 characters).',
  },
  'portal.console.register.error.domain': {
    de: 'Die Domain muss ein Origin mit https sein (http nur für localhost), ohne Pfad.',
    en: 'The domain must be an https origin (http only for localhost), without a path.',
  },
  'portal.console.register.error.email': {
    de: 'Bitte geben Sie eine gültige Kontakt-E-Mail an.',
    en: 'Please enter a valid contact e-mail.',
  },
  'portal.console.register.error.purposes': {
    de: 'Bitte wählen Sie mindestens einen Zweck.',
    en: 'Please choose at least one purpose.',
  },
  'portal.console.register.error.brands': {
    de: 'Höchstens 32 Marken mit je höchstens 100 Zeichen.',
    en: 'At most 32 brands of at most 100 characters each.',
  },
  'portal.console.register.error.invalid': {
    de: 'Die Registrierung ist unvollständig oder fehlerhaft.',
    en: 'The registration is incomplete or malformed.',
  },
  'portal.console.register.error.publicKey': {
    de: 'Das ist kein gültiger öffentlicher Ed25519-Schlüssel (JWK), oder die Angaben oben sind unvollständig.',
    en: 'This is not a valid Ed25519 public key (JWK), or the details above are incomplete.',
  },
  'portal.console.register.error.signed': {
    de: 'Bitte fügen Sie die unterschriebene Registrierung ein.',
    en: 'Please paste the signed registration.',
  },
  'portal.console.register.error.browser': {
    de: 'Dieser Browser kann keinen Ed25519-Schlüssel erzeugen. Bitte verwenden Sie einen aktuellen Browser.',
    en: 'This browser cannot create an Ed25519 key. Please use a current browser.',
  },

  // company key in the page
  'portal.console.key.title': {
    de: 'Unternehmensschlüssel für diese Seite',
    en: 'Company key for this page',
  },
  'portal.console.key.explain': {
    de: 'Anfragen, Schlüsselwechsel und der Domain-Nachweis werden mit einem Unternehmensschlüssel unterschrieben. Laden Sie dazu Ihre Schlüsseldatei: Sie bleibt in diesem Browserfenster und wird nicht hochgeladen.',
    en: 'Requests, key changes and the domain proof are signed with a company key. Load your key file for that: it stays in this browser window and is not uploaded.',
  },
  'portal.console.key.load': { de: 'Schlüsseldatei laden', en: 'Load key file' },
  'portal.console.key.loaded': {
    de: 'Schlüssel {kid} geladen.',
    en: 'Key {kid} loaded.',
  },
  'portal.console.key.notCurrent': {
    de: 'Schlüssel {kid} geladen, aber er ist kein aktueller Schlüssel Ihres Unternehmens.',
    en: 'Key {kid} loaded, but it is not a current key of your company.',
  },
  'portal.console.key.compromised': {
    de: 'Der geladene Schlüssel wurde als kompromittiert seit {time} gemeldet: Was er ab dann unterschreibt, gilt nicht. Laden Sie die Schlüsseldatei eines aktuellen Schlüssels Ihres Unternehmens.',
    en: 'The loaded key was declared compromised since {time}: nothing it signs from then on counts. Load the key file of a current key of your company.',
  },
  'portal.console.key.retired': {
    de: 'Der geladene Schlüssel ist stillgelegt und unterschreibt nichts mehr. Laden Sie die Schlüsseldatei eines aktuellen Schlüssels Ihres Unternehmens.',
    en: 'The loaded key was retired and signs nothing any more. Load the key file of a current key of your company.',
  },
  'portal.console.key.fileInvalid': {
    de: 'Diese Datei ist kein privater Ed25519-Schlüssel.',
    en: 'This file is not an Ed25519 private key.',
  },
  'portal.console.key.needed': {
    de: 'Laden Sie zuerst die Schlüsseldatei Ihres Unternehmens.',
    en: 'Load your company key file first.',
  },

  // domain proof
  'portal.console.proof.title': { de: 'Domain nachweisen', en: 'Prove your domain' },
  'portal.console.proof.explain': {
    de: 'Veröffentlichen Sie unter {url} genau diesen JSON-Text und lassen Sie ihn dann prüfen.',
    en: 'Publish exactly this JSON text at {url}, then have it checked.',
  },
  'portal.console.proof.laterExplain': {
    de: 'Den Nachweis prüfen Sie in der Unternehmenskonsole mit Ihrer Schlüsseldatei.',
    en: 'Check the proof in the company console with your key file.',
  },
  'portal.console.proof.check': { de: 'Nachweis prüfen', en: 'Check the proof' },
  'portal.console.proof.failed': {
    de: 'Der Nachweis ist noch nicht gelungen.',
    en: 'The proof has not succeeded yet.',
  },
  // Why it failed (`detail.reason` of ERR_DOMAIN_PROOF_FAILED, portal/lib/server/domain-proof.ts),
  // each with what the company can do about it.
  'portal.console.proof.reason.status': {
    de: 'Die Adresse hat nicht mit Status 200 geantwortet. Veröffentlichen Sie die Datei genau unter dieser Adresse, öffentlich abrufbar.',
    en: 'The address did not answer with status 200. Publish the file at exactly this address, publicly reachable.',
  },
  'portal.console.proof.reason.redirect': {
    de: 'Die Adresse leitet auf einen anderen Origin oder mehr als zweimal weiter. Liefern Sie die Datei auf Ihrer Domain selbst aus, mit höchstens zwei Weiterleitungen innerhalb desselben Origins.',
    en: 'The address redirects to another origin, or more than twice. Serve the file on your domain itself, with at most two redirects within the same origin.',
  },
  'portal.console.proof.reason.not-json': {
    de: 'Die Datei ist kein JSON in der erwarteten Form. Veröffentlichen Sie genau den gezeigten JSON-Text (UTF-8).',
    en: 'The file is not JSON of the expected form. Publish exactly the JSON text shown (UTF-8).',
  },
  'portal.console.proof.reason.key-not-listed': {
    de: 'Die Datei nennt den Schlüssel nicht, mit dem diese Prüfung unterschrieben wurde. Nehmen Sie seine Schlüssel-ID unter „keys“ auf, wie im gezeigten JSON-Text.',
    en: 'The file does not list the key this check was signed with. Add its key id under “keys”, as in the JSON text shown.',
  },
  'portal.console.proof.reason.company-mismatch': {
    de: 'Die Datei nennt eine andere Unternehmens-ID. Tragen Sie unter „companyId“ Ihre eigene ein, wie im gezeigten JSON-Text.',
    en: 'The file names another company id. Put your own under “companyId”, as in the JSON text shown.',
  },
  'portal.console.proof.reason.dns': {
    de: 'Der Name Ihrer Domain ließ sich nicht auflösen. Prüfen Sie die Schreibweise der Domain und ihre DNS-Einträge.',
    en: 'Your domain’s name could not be resolved. Check how the domain is spelled and its DNS records.',
  },
  'portal.console.proof.reason.timeout': {
    de: 'Ihre Domain hat nicht rechtzeitig geantwortet. Prüfen Sie, ob der Server erreichbar ist, und lassen Sie dann erneut prüfen.',
    en: 'Your domain did not answer in time. Check that the server is reachable, then have the proof checked again.',
  },
  'portal.console.proof.reason.network': {
    de: 'Die Verbindung zu Ihrer Domain ist gescheitert. Prüfen Sie, ob der Server über HTTPS mit einem gültigen Zertifikat erreichbar ist.',
    en: 'The connection to your domain failed. Check that the server is reachable over HTTPS with a valid certificate.',
  },
  'portal.console.proof.reason.too-large': {
    de: 'Die Datei ist zu groß (höchstens 8 KiB). Veröffentlichen Sie nur den gezeigten JSON-Text.',
    en: 'The file is too large (at most 8 KiB). Publish only the JSON text shown.',
  },
  'portal.console.proof.reason.address-not-public': {
    de: 'Ihre Domain zeigt auf eine Adresse, die nicht öffentlich ist. Die Datei muss unter einer öffentlichen Adresse erreichbar sein.',
    en: 'Your domain points to an address that is not public. The file must be reachable at a public address.',
  },
  'portal.console.proof.ok': {
    de: 'Domain nachgewiesen: Ihr Unternehmen ist aktiv.',
    en: 'Domain proven: your company is active.',
  },

  // consent-request builder
  'portal.console.request.title': { de: 'Um Einwilligung bitten', en: 'Ask for consent' },
  'portal.console.request.explain': {
    de: 'Stellen Sie zusammen, worum Sie bitten. Die Anfrage wird mit Ihrem Unternehmensschlüssel unterschrieben; Sie erhalten einen Link, einen QR-Code und den Baustein für Ihre Seite.',
    en: 'Put together what you ask for. The request is signed with your company key; you get a link, a QR code and the snippet for your page.',
  },
  'portal.console.request.purposes': { de: 'Zwecke', en: 'Purposes' },
  'portal.console.request.channels': { de: 'Kanäle', en: 'Channels' },
  'portal.console.request.dataCategories': { de: 'Datenkategorien', en: 'Data categories' },
  'portal.console.request.conditions': { de: 'Bedingungen', en: 'Conditions' },
  'portal.console.request.timeZone': { de: 'Zeitzone', en: 'Time zone' },
  'portal.console.request.days': { de: 'Wochentage', en: 'Days of the week' },
  'portal.console.request.day.1': { de: 'Montag', en: 'Monday' },
  'portal.console.request.day.2': { de: 'Dienstag', en: 'Tuesday' },
  'portal.console.request.day.3': { de: 'Mittwoch', en: 'Wednesday' },
  'portal.console.request.day.4': { de: 'Donnerstag', en: 'Thursday' },
  'portal.console.request.day.5': { de: 'Freitag', en: 'Friday' },
  'portal.console.request.day.6': { de: 'Samstag', en: 'Saturday' },
  'portal.console.request.day.7': { de: 'Sonntag', en: 'Sunday' },
  'portal.console.request.from': { de: 'Von (Uhrzeit)', en: 'From (time)' },
  'portal.console.request.to': { de: 'Bis (Uhrzeit)', en: 'To (time)' },
  'portal.console.request.cap': {
    de: 'Höchstens so viele Kontakte pro Woche',
    en: 'At most this many contacts per week',
  },
  'portal.console.request.validUntil': { de: 'Gültig bis', en: 'Valid until' },
  'portal.console.request.retention': {
    de: 'Aufbewahrung (Tage)',
    en: 'Retention (days)',
  },
  'portal.console.request.recipients': {
    de: 'Weitere Empfänger (je Zeile: Name, optional Komma und Ländercode)',
    en: 'Onward recipients (one a line: name, optionally a comma and a country code)',
  },
  'portal.console.request.incentive': { de: 'Gegenleistung', en: 'Incentive' },
  'portal.console.request.incentiveType': { de: 'Art', en: 'Kind' },
  'portal.console.request.noIncentive': { de: 'Keine', en: 'None' },
  'portal.console.request.incentiveDe': {
    de: 'Beschreibung (Deutsch)',
    en: 'Description (German)',
  },
  'portal.console.request.incentiveEn': {
    de: 'Beschreibung (Englisch)',
    en: 'Description (English)',
  },
  'portal.console.request.reasonDe': {
    de: 'Begründung für die Kundin oder den Kunden (Deutsch)',
    en: 'Reason for the customer (German)',
  },
  'portal.console.request.reasonEn': {
    de: 'Begründung für die Kundin oder den Kunden (Englisch)',
    en: 'Reason for the customer (English)',
  },
  'portal.console.request.submit': {
    de: 'Anfrage unterschreiben und anlegen',
    en: 'Sign and create the request',
  },
  'portal.console.request.done': { de: 'Ihre Anfrage ist angelegt', en: 'Your request is created' },
  /** An open request's link: what an Assistant fetches (JSON), shared as text and QR code. */
  'portal.console.request.shareLink': {
    de: 'Link für die Assistenten Ihrer Kundinnen und Kunden (maschinenlesbar, keine Webseite)',
    en: 'Link for your customers’ Assistants (machine-readable, not a web page)',
  },
  'portal.console.request.voided': {
    de: 'Ungültig: mit einem als kompromittiert gemeldeten Schlüssel unterschrieben; niemand kann sie mehr beantworten. Stellen Sie eine neue Anfrage und teilen Sie deren Link.',
    en: 'Void: signed with a key declared compromised; nobody can answer it any more. Make a new request and share its link instead.',
  },
  'portal.console.request.qr': {
    de: 'QR-Code des Anfrage-Links',
    en: 'QR code of the request link',
  },
  'portal.console.request.snippet': {
    de: 'Baustein für Ihre Seite (/connect.js)',
    en: 'Snippet for your page (/connect.js)',
  },
  'portal.console.request.connectLabel': {
    de: 'Mit Ihrem Assistenten verbinden',
    en: 'Connect with your Assistant',
  },
  'portal.console.request.recent': { de: 'Letzte Anfragen', en: 'Recent requests' },
  'portal.console.request.reference': { de: 'Anfrage', en: 'Request' },
  'portal.console.request.open': { de: 'für alle offen', en: 'open to anyone' },
  'portal.console.request.made': { de: 'Gestellt am', en: 'Made on' },
  'portal.console.request.audience': { de: 'An wen', en: 'Addressed to' },
  'portal.console.request.valid': { de: 'Gültig', en: 'Valid' },
  'portal.console.request.targeted': {
    de: 'gezielt an eine Kundin oder einen Kunden, kein Link zum Teilen',
    en: 'targeted at one customer, no link to share',
  },
  'portal.console.request.error.purposes': {
    de: 'Bitte wählen Sie mindestens einen Ihrer registrierten Zwecke.',
    en: 'Please choose at least one of your registered purposes.',
  },
  'portal.console.request.error.channels': {
    de: 'Bitte wählen Sie mindestens einen Kanal.',
    en: 'Please choose at least one channel.',
  },
  'portal.console.request.error.invalid': {
    de: 'Eine Auswahl ist unbekannt.',
    en: 'A choice is unknown.',
  },
  'portal.console.request.error.timeZone': {
    de: 'Diese Zeitzone ist unbekannt (z. B. Europe/Berlin).',
    en: 'This time zone is unknown (e.g. Europe/Berlin).',
  },
  'portal.console.request.error.window': {
    de: 'Ein Zeitfenster braucht mindestens einen Wochentag sowie eine Anfangs- und eine davon verschiedene Endzeit.',
    en: 'A time window needs at least one day and a start and a different end time.',
  },
  'portal.console.request.error.cap': {
    de: 'Die Kontakte pro Woche sind eine ganze Zahl von 1 bis 1000.',
    en: 'Contacts per week are a whole number from 1 to 1000.',
  },
  'portal.console.request.error.validUntil': {
    de: '„Gültig bis“ muss ein Datum in der Zukunft sein.',
    en: '“Valid until” must be a date in the future.',
  },
  'portal.console.request.error.retention': {
    de: 'Die Aufbewahrung ist eine ganze Zahl von 1 bis 36500 Tagen.',
    en: 'Retention is a whole number from 1 to 36500 days.',
  },
  'portal.console.request.error.reason': {
    de: 'Bitte begründen Sie die Anfrage auf Deutsch und auf Englisch (je höchstens 2000 Zeichen).',
    en: 'Please give the reason in German and in English (at most 2000 characters each).',
  },
  'portal.console.request.error.incentive': {
    de: 'Eine Gegenleistung braucht eine Beschreibung auf Deutsch und auf Englisch.',
    en: 'An incentive needs a description in German and in English.',
  },

  // relationships
  'portal.console.revocations.title': { de: 'Widerrufe', en: 'Revocations' },
  'portal.console.revocations.received': { de: 'Eingegangen', en: 'Received' },
  'portal.console.revocations.deadline': { de: 'Frist', en: 'Deadline' },
  'portal.console.revocations.state': { de: 'Stand', en: 'State' },
  'portal.console.revocations.overdue': { de: 'Überfällig', en: 'Overdue' },
  'portal.console.revocations.open': { de: 'Offen', en: 'Open' },
  'portal.console.revocations.acknowledged': { de: 'Quittiert', en: 'Acknowledged' },
  'portal.console.revocations.ack': {
    de: 'Quittieren: wir haben aufgehört',
    en: 'Acknowledge: we have stopped',
  },
  /** The accessible name of one row's acknowledge button: the visible text, then whose it is. */
  'portal.console.revocations.ackFor': {
    de: 'Quittieren: wir haben aufgehört (Pseudonym {pseudonym})',
    en: 'Acknowledge: we have stopped (pseudonym {pseudonym})',
  },
  'portal.console.revocations.acked': {
    de: 'Der Widerruf ist quittiert, rechtzeitig.',
    en: 'The revocation is acknowledged, on time.',
  },
  'portal.console.revocations.ackedLate': {
    de: 'Der Widerruf ist quittiert, aber nach Ablauf der Frist.',
    en: 'The revocation is acknowledged, but after its deadline.',
  },
  'portal.console.grants.title': { de: 'Einwilligungen', en: 'Grants' },
  'portal.console.grants.purposes': { de: 'Zwecke', en: 'Purposes' },
  'portal.console.grants.given': { de: 'Erteilt', en: 'Given' },
  'portal.console.grants.until': { de: 'Bis', en: 'Until' },
  'portal.console.grants.active': { de: 'Aktiv', en: 'Active' },
  'portal.console.grants.revoked': { de: 'Widerrufen', en: 'Revoked' },
  'portal.console.grants.partly-revoked': { de: 'Teilweise widerrufen', en: 'Partly revoked' },
  'portal.console.grants.expired': { de: 'Abgelaufen', en: 'Expired' },
  'portal.console.refusals.title': { de: 'Ablehnungen', en: 'Refusals' },
  'portal.console.refusals.askAgain': {
    de: 'frühestens wieder fragen am {date}',
    en: 'ask again on {date} at the earliest',
  },
  'portal.console.dataRequests.title': {
    de: 'Auskunfts- und Löschanfragen',
    en: 'Data requests',
  },
  'portal.console.dataRequests.access': { de: 'Auskunft', en: 'Access' },
  'portal.console.dataRequests.erasure': { de: 'Löschung', en: 'Erasure' },
  'portal.console.dataRequests.deadline': { de: 'Frist: {date}', en: 'Deadline: {date}' },
  'portal.console.dataRequests.overdue': {
    de: 'Überfällig: Die Frist ist am {date} abgelaufen.',
    en: 'Overdue: the deadline passed on {date}.',
  },
  'portal.console.dataRequests.accessExplain': {
    de: 'Beantworten Sie eine Auskunft mit einer Offenlegung: was Sie über diese Person speichern, woher, wozu, wie lange und an wen Sie es weitergeben. Die Daten selbst werden in Ihrem Browser für diese Person versiegelt; die Clearingstelle kann sie nicht lesen. Oder lehnen Sie mit Begründung ab.',
    en: 'Answer an access request with a disclosure: what you hold about this person, where it came from, what for, how long and whom you pass it on to. The data itself is sealed to this person in your browser; the clearinghouse cannot read it. Or refuse with a reason.',
  },
  'portal.console.disclose.categories': {
    de: 'Gespeicherte Datenkategorien',
    en: 'Data categories held',
  },
  'portal.console.disclose.sources': { de: 'Herkunft', en: 'Source' },
  'portal.console.disclose.purposes': { de: 'Zwecke', en: 'Purposes' },
  'portal.console.disclose.retention': {
    de: 'Speicherdauer in Tagen',
    en: 'Retention in days',
  },
  'portal.console.disclose.recipients': {
    de: 'Empfänger (je Zeile „Name“ oder „Name, DE“)',
    en: 'Recipients (one per line, “Name” or “Name, DE”)',
  },
  'portal.console.disclose.export': {
    de: 'Die Daten selbst (werden für diese Person versiegelt)',
    en: 'The data itself (sealed to this person)',
  },
  'portal.console.disclose.submit': {
    de: 'Offenlegen und beantworten',
    en: 'Disclose and answer',
  },
  'portal.console.disclose.error.categories': {
    de: 'Bitte wählen Sie mindestens eine Datenkategorie.',
    en: 'Please choose at least one data category.',
  },
  'portal.console.disclose.error.sources': {
    de: 'Bitte wählen Sie mindestens eine Herkunft.',
    en: 'Please choose at least one source.',
  },
  'portal.console.disclose.error.purposes': {
    de: 'Bitte wählen Sie mindestens einen Zweck.',
    en: 'Please choose at least one purpose.',
  },
  'portal.console.disclose.error.retention': {
    de: 'Die Speicherdauer ist eine ganze Zahl von Tagen (1 bis 36.500).',
    en: 'The retention is a whole number of days (1 to 36,500).',
  },
  'portal.console.disclose.exportLeft': {
    de: 'Noch {left} von {max} Bytes frei (in UTF-8 zählen ä, ö, ü und ß je zwei Bytes, € drei).',
    en: '{left} of {max} bytes left (in UTF-8, ä, ö, ü and ß count two bytes each, € three).',
  },
  // `{count}` bytes too many; `{max}`, formatted by the caller, is the limit.
  'portal.console.disclose.exportOver': {
    de: {
      one: '{count} Byte zu viel: höchstens {max} Bytes in UTF-8.',
      other: '{count} Bytes zu viel: höchstens {max} Bytes in UTF-8.',
    },
    en: {
      one: '{count} byte too many: at most {max} bytes in UTF-8.',
      other: '{count} bytes too many: at most {max} bytes in UTF-8.',
    },
  },
  'portal.console.disclose.error.exportTooLarge': {
    de: 'Die Daten sind zu lang: Versiegelt passen höchstens {max} Bytes in UTF-8 hinein (ä, ö, ü und ß zählen je zwei Bytes, € und viele andere Zeichen drei). Bitte kürzen Sie sie.',
    en: 'The data is too long: at most {max} bytes of UTF-8 fit once sealed (ä, ö, ü and ß count two bytes each, € and many other characters three). Please shorten it.',
  },
  'portal.console.disclose.error.tooLarge': {
    de: 'Die Offenlegung ist insgesamt zu groß für eine Nachricht (höchstens 64 KiB). Bitte wählen Sie weniger Datenkategorien oder Empfänger, oder kürzen Sie die Daten.',
    en: 'The disclosure as a whole is too large for one message (at most 64 KiB). Please choose fewer data categories or recipients, or shorten the data.',
  },
  'portal.console.disclose.stored': {
    de: 'Eine Offenlegung zu dieser Anfrage ist seit {date} gespeichert und protokolliert, die Antwort darauf aber nicht. Senden Sie die Antwort mit dieser Offenlegung; eine zweite wird nicht angelegt.',
    en: 'A disclosure for this request has been stored and logged since {date}, but the answer naming it has not. Send the answer with this disclosure; no second one is made.',
  },
  'portal.console.disclose.storedCategories': {
    de: 'Offengelegte Datenkategorien: {categories}',
    en: 'Data categories disclosed: {categories}',
  },
  'portal.console.disclose.answerStored': {
    de: 'Mit der gespeicherten Offenlegung beantworten',
    en: 'Answer with the stored disclosure',
  },
  'portal.console.disclose.error.key': {
    de: 'Für dieses Pseudonym ist kein Schlüssel bekannt; die Daten können nicht versiegelt werden.',
    en: 'No key is known for this pseudonym; the data cannot be sealed.',
  },
  'portal.console.disclose.done': {
    de: 'Die Offenlegung und die Antwort sind unterschrieben und protokolliert.',
    en: 'The disclosure and the answer are signed and logged.',
  },
  'portal.console.paging.label': { de: 'Seiten: {list}', en: 'Pages: {list}' },
  'portal.console.paging.page': { de: 'Seite {page}', en: 'Page {page}' },
  'portal.console.paging.previous': { de: 'Vorige Seite', en: 'Previous page' },
  'portal.console.paging.next': { de: 'Nächste Seite', en: 'Next page' },
  'portal.console.dataRequests.erasedCategories': {
    de: 'Gelöschte Datenkategorien',
    en: 'Erased data categories',
  },
  'portal.console.dataRequests.keptCategories': {
    de: 'Aufbewahrte Datenkategorien (mit Begründung unten)',
    en: 'Data categories kept (with the reason below)',
  },
  'portal.console.dataRequests.asked': {
    de: 'Erfragt: {categories}',
    en: 'Asked for: {categories}',
  },
  'portal.console.dataRequests.askedAll': {
    de: 'Erfragt: alle Daten, die Sie über diese Person halten',
    en: 'Asked for: all data you hold about this person',
  },
  'portal.console.dataRequests.erased': { de: 'Löschung bestätigen', en: 'Confirm erasure' },
  'portal.console.dataRequests.reasonDe': {
    de: 'Begründung einer Ablehnung oder Aufbewahrung (Deutsch)',
    en: 'Reason for a refusal or for data kept (German)',
  },
  'portal.console.dataRequests.reasonEn': {
    de: 'Begründung einer Ablehnung oder Aufbewahrung (Englisch)',
    en: 'Reason for a refusal or for data kept (English)',
  },
  'portal.console.dataRequests.refuse': { de: 'Ablehnen', en: 'Refuse' },
  'portal.console.dataRequests.answered': {
    de: 'Die Antwort ist unterschrieben und protokolliert.',
    en: 'The answer is signed and logged.',
  },
  'portal.console.answer.error.categories': {
    de: 'Bitte wählen Sie die gelöschten Datenkategorien.',
    en: 'Please choose the erased data categories.',
  },
  'portal.console.answer.error.allKept': {
    de: 'Es wird nichts gelöscht: Lehnen Sie die Anfrage stattdessen mit Ihrer Begründung ab.',
    en: 'Nothing of it is erased: refuse the request with your reason instead.',
  },
  'portal.console.answer.error.erasedAndKept': {
    de: 'Eine Datenkategorie ist entweder gelöscht oder aufbewahrt, nicht beides.',
    en: 'A data category is either erased or kept, not both.',
  },
  'portal.console.answer.error.unaccounted': {
    de: 'Bitte geben Sie für jede erfragte Datenkategorie an, ob sie gelöscht ist oder aufbewahrt wird.',
    en: 'Please say for each data category asked for whether it was erased or is kept.',
  },
  'portal.console.answer.error.keptReason': {
    de: 'Aufbewahrte Daten brauchen eine Begründung auf Deutsch und auf Englisch (zum Beispiel eine gesetzliche Aufbewahrungspflicht).',
    en: 'Data kept needs a reason in German and in English (a statutory retention duty, say).',
  },
  'portal.console.answer.error.reason': {
    de: 'Eine Ablehnung braucht eine Begründung auf Deutsch und auf Englisch.',
    en: 'A refusal needs a reason in German and in English.',
  },
  'portal.console.corrections.title': { de: 'Berichtigungen', en: 'Corrections' },
  'portal.console.corrections.explain': {
    de: 'Kundinnen und Kunden berichtigen ihre Daten über ihren Assistenten. Die Datenkategorie ist unverschlüsselt, der berichtigte Wert an einen Ihrer Unternehmensschlüssel versiegelt: Laden Sie oben dessen Schlüsseldatei, um ihn hier zu lesen. Ihre Systeme holen Berichtigungen über die API ab.',
    en: 'Customers correct their data through their Assistant. The data category travels in clear; the corrected value is sealed to one of your company keys: load its key file above to read it here. Your systems fetch corrections through the API.',
  },
  'portal.console.corrections.category': { de: 'Datenkategorie', en: 'Data category' },
  'portal.console.corrections.received': { de: 'Eingegangen', en: 'Received' },
  'portal.console.corrections.value': { de: 'Berichtigter Wert', en: 'Corrected value' },
  'portal.console.corrections.sealed': {
    de: 'Versiegelt. Laden Sie oben Ihre Schlüsseldatei, um den Wert zu lesen.',
    en: 'Sealed. Load your key file above to read the value.',
  },
  'portal.console.corrections.opening': { de: 'Wird geöffnet …', en: 'Opening …' },
  'portal.console.corrections.otherKey': {
    de: 'Diese Berichtigung ist an einen anderen Ihrer Unternehmensschlüssel versiegelt. Laden Sie dessen Schlüsseldatei, um sie zu lesen.',
    en: 'This correction is sealed to another of your company keys. Load that key’s file to read it.',
  },
  'portal.console.corrections.unreadable': {
    de: 'Diese Berichtigung lässt sich nicht lesen: Der versiegelte Inhalt ist keine gültige Berichtigung dieser Datenkategorie.',
    en: 'This correction cannot be read: its sealed content is no valid correction of this data category.',
  },
  'portal.console.corrections.deleteExplain': {
    de: 'Löschen entfernt die Berichtigung endgültig aus der Clearingstelle: Danach können Ihre Systeme sie nicht mehr über die API abholen. Löschen Sie sie erst, wenn sie in Ihren Systemen übernommen ist.',
    en: 'Deleting removes the correction from the clearinghouse for good: your systems can no longer fetch it through the API afterwards. Delete it only once it has been applied in your systems.',
  },
  'portal.console.corrections.confirm': {
    de: 'Die Berichtigung ist in unseren Systemen übernommen.',
    en: 'The correction has been applied in our systems.',
  },
  'portal.console.corrections.delete': {
    de: 'Aus der Clearingstelle löschen',
    en: 'Delete from the clearinghouse',
  },
  'portal.console.corrections.deleted': {
    de: 'Die Berichtigung ist aus der Clearingstelle gelöscht.',
    en: 'The correction is deleted from the clearinghouse.',
  },
  'portal.console.corrections.gone': {
    de: 'Diese Berichtigung war schon gelöscht.',
    en: 'This correction had already been deleted.',
  },
  'portal.console.corrections.error.confirm': {
    de: 'Bitte bestätigen Sie, dass die Berichtigung in Ihren Systemen übernommen ist; erst dann wird sie gelöscht.',
    en: 'Please confirm that the correction has been applied in your systems; only then is it deleted.',
  },
  'portal.console.offers.title': { de: 'Gesendete Angebote', en: 'Offers sent' },
  'portal.console.offers.at': { de: 'Zeitpunkt', en: 'When' },
  'portal.console.offers.outcome': { de: 'Ergebnis', en: 'Outcome' },
  'portal.console.offers.accepted': {
    de: 'Angenommen und zugestellt',
    en: 'Accepted and delivered',
  },
  'portal.console.offers.refused': {
    de: 'Abgewiesen: {rule}',
    en: 'Refused: {rule}',
  },
  'portal.console.complaints.title': {
    de: 'Beschwerden gegen Ihr Unternehmen',
    en: 'Complaints against your company',
  },
  'portal.console.complaints.explain': {
    de: 'Kundinnen und Kunden beschweren sich über ihren Assistenten bei der Aufsicht, mit von Ihrem Unternehmen signierten Nachrichten als Belegen; die Aufsicht entscheidet. Wer sich beschwert, sehen Sie nur als Pseudonym. Ihre Systeme lesen jede Beschwerde über die API.',
    en: 'Customers complain to the regulator through their Assistant, with messages your company signed as evidence; the regulator decides. You see the complainant only as a pseudonym. Your systems read each complaint through the API.',
  },
  'portal.console.complaints.received': { de: 'Eingegangen', en: 'Received' },
  'portal.console.complaints.reasons': { de: 'Vorwurf', en: 'What was wrong' },
  'portal.console.complaints.evidence': { de: 'Belege', en: 'Evidence' },
  'portal.console.complaints.evidence.offer': { de: 'Angebot', en: 'Offer' },
  'portal.console.complaints.evidence.offer-content': {
    de: 'Inhalt eines Angebots',
    en: 'Content of an offer',
  },
  'portal.console.complaints.evidence.disclosure': { de: 'Offenlegung', en: 'Disclosure' },
  'portal.console.complaints.evidence.grant-request': {
    de: 'Bitte um Einwilligung',
    en: 'Consent request',
  },
  'portal.console.complaints.evidence.data-request-answer': {
    de: 'Antwort auf eine Anfrage',
    en: 'Answer to a data request',
  },
  'portal.console.complaints.evidence.reward': { de: 'Prämie', en: 'Reward' },
  'portal.console.complaints.openToday': {
    de: 'Offen, seit weniger als einem Tag',
    en: 'Open, for less than a day',
  },
  'portal.console.complaints.openDays': {
    de: { one: 'Offen, seit einem Tag', other: 'Offen, seit {count} Tagen' },
    en: { one: 'Open, for one day', other: 'Open, for {count} days' },
  },
  'portal.console.complaints.upheld': {
    de: 'Am {date} als begründet entschieden',
    en: 'Upheld on {date}',
  },
  'portal.console.complaints.dismissed': {
    de: 'Am {date} als unbegründet abgewiesen',
    en: 'Dismissed on {date}',
  },
  /** Before a reason a regulator signed: of a complaint's decision, of a suspension. */
  'portal.console.regulatorReason': {
    de: 'Begründung der Aufsicht:',
    en: 'The regulator’s reason:',
  },
  'portal.console.suspension.notice': {
    de: 'Die Aufsicht hat Ihr Unternehmen am {date} ausgesetzt.',
    en: 'The regulator suspended your company on {date}.',
  },
  'portal.console.findings.title': {
    de: 'Befunde und Vertrauenszahlen',
    en: 'Findings and trust figures',
  },
  'portal.console.findings.none': { de: 'Keine Befunde.', en: 'No findings.' },
  'portal.console.findings.reference': { de: 'Bezug', en: 'Reference' },
  'portal.console.findings.of': {
    de: '{kind} {id} vom {date}',
    en: '{kind} {id} of {date}',
  },
  'portal.console.findings.kind.revocation': { de: 'Widerruf', en: 'Revocation' },
  'portal.console.findings.kind.webhook': { de: 'Webhook-Ereignis', en: 'Webhook event' },
  'portal.console.findings.kind.offer': { de: 'Angebot', en: 'Offer' },
  'portal.console.findings.kind.dataRequest': { de: 'Anfrage', en: 'Data request' },
  'portal.console.findings.kind.access': { de: 'Zugriffsmeldung', en: 'Access report' },
  'portal.console.findings.kind.complaint': { de: 'Beschwerde', en: 'Complaint' },
  'portal.console.findings.revocation-ack-overdue': {
    de: 'Ein Widerruf wurde nicht rechtzeitig quittiert.',
    en: 'A revocation was not acknowledged in time.',
  },
  'portal.console.findings.webhook-delivery-failed': {
    de: 'Ein Webhook konnte nicht zugestellt werden.',
    en: 'A webhook could not be delivered.',
  },
  /** `{rule}`: the rule it broke (`portal.regulator.rule.*`); not every one is a missing grant. */
  'portal.console.findings.relay-refused': {
    de: 'Die Vermittlung hat ein Angebot abgewiesen: {rule}.',
    en: 'The relay refused an offer: {rule}.',
  },
  'portal.console.findings.data-request-overdue': {
    de: 'Eine Auskunfts- oder Löschanfrage wurde nicht rechtzeitig beantwortet.',
    en: 'A data request was not answered in time.',
  },
  'portal.console.findings.access-out-of-scope': {
    de: 'Daten wurden außerhalb einer Einwilligung genutzt.',
    en: 'Data was used outside a grant.',
  },
  'portal.console.findings.complaint-upheld': {
    de: 'Eine Beschwerde wurde als begründet entschieden.',
    en: 'A complaint was upheld.',
  },

  // keys and staff
  'portal.console.keys.title': { de: 'Schlüssel', en: 'Keys' },
  'portal.console.keyConflict.taken': {
    de: 'Dieser Schlüssel ist hier schon vergeben (an ein Unternehmen, ein Pseudonym oder eine Person). Erzeugen Sie einen neuen Schlüssel.',
    en: 'This key is already in use here (by a company, a pseudonym or a person). Make a new key.',
  },
  'portal.console.keyConflict.limit': {
    de: 'Das Unternehmen hat schon so viele gültige Schlüssel, wie erlaubt sind. Legen Sie zuerst einen still.',
    en: 'The company already has as many current keys as are allowed. Retire one first.',
  },
  'portal.console.keyConflict.ownKey': {
    de: 'Ein Schlüssel kann sich nicht selbst stilllegen oder als kompromittiert melden. Laden Sie einen anderen gültigen Schlüssel des Unternehmens.',
    en: 'A key cannot retire itself or declare itself compromised. Load another current key of the company.',
  },
  'portal.console.keyConflict.notCurrent': {
    de: 'Die Angaben des Unternehmens dürfen nur seine gültigen Schlüssel nennen; Schlüssel ändern Sie unter „Schlüssel“.',
    en: "The company's details may list only its current keys; keys change under “Keys”.",
  },
  'portal.console.keyConflict.registered': {
    de: 'Eine andere Registrierung dieses Unternehmens kam im selben Moment an. Sehen Sie in der Unternehmenskonsole nach, ob sie angekommen ist.',
    en: 'Another registration of this company arrived at the same moment. Look in the company console whether it went through.',
  },
  'portal.console.keys.explain': {
    de: 'Jeder Schlüsselwechsel wird mit einem anderen aktuellen Schlüssel unterschrieben (laden Sie ihn oben). Ein neuer Schlüssel entsteht in diesem Browser und wird einmal zum Herunterladen angeboten.',
    en: 'Each key change is signed with another current key (load it above). A new key is created in this browser and offered once for download.',
  },
  'portal.console.keys.kid': { de: 'Schlüssel-ID', en: 'Key id' },
  'portal.console.keys.added': { de: 'Hinzugefügt', en: 'Added' },
  'portal.console.keys.current': { de: 'Aktuell', en: 'Current' },
  'portal.console.keys.retired': { de: 'Stillgelegt', en: 'Retired' },
  'portal.console.keys.compromised': { de: 'Kompromittiert', en: 'Compromised' },
  'portal.console.keys.compromisedSince': {
    de: 'seit {time}; was er ab dann unterschrieben hat, ist ungültig',
    en: 'since {time}; what it signed from then on is void',
  },
  'portal.console.keys.add': { de: 'Neuen Schlüssel hinzufügen', en: 'Add a new key' },
  'portal.console.keys.suspended': {
    de: 'Ihr Unternehmen ist ausgesetzt. Schlüssel können Sie trotzdem hinzufügen, stilllegen und als kompromittiert melden, damit ein gestohlener Schlüssel gestoppt werden kann (mit nur einem Schlüssel: erst einen neuen hinzufügen, dann mit ihm den alten melden). Ein neuer Schlüssel hebt die Aussetzung nicht auf.',
    en: 'Your company is suspended. You can still add, retire and declare keys compromised, so that a stolen key can be stopped (with a single key: add a new one first, then declare the old one with it). A new key does not lift the suspension.',
  },
  'portal.console.keys.retire': { de: 'Stilllegen', en: 'Retire' },
  /** The accessible name of one row's retire button: the visible text, then which key. */
  'portal.console.keys.retireFor': {
    de: 'Stilllegen (Schlüssel {kid})',
    en: 'Retire (key {kid})',
  },
  'portal.console.keys.since': {
    de: 'Kompromittiert seit (UTC)',
    en: 'Compromised since (UTC)',
  },
  'portal.console.keys.declare': {
    de: 'Als kompromittiert melden',
    en: 'Declare compromised',
  },
  'portal.console.keys.declareFor': {
    de: 'Als kompromittiert melden (Schlüssel {kid})',
    en: 'Declare compromised (key {kid})',
  },
  'portal.console.keys.done': {
    de: 'Der Schlüsselwechsel ist unterschrieben und protokolliert.',
    en: 'The key change is signed and logged.',
  },
  'portal.console.keys.error.since': {
    de: 'Bitte geben Sie an, seit wann der Schlüssel kompromittiert ist.',
    en: 'Please give the time since when the key is compromised.',
  },
  'portal.console.staff.title': { de: 'Mitarbeitende', en: 'Staff' },
  'portal.console.staff.name': { de: 'Name', en: 'Name' },
  'portal.console.staff.invite': { de: 'Einladen', en: 'Invite' },
  // The invitation form's name field: optional, as on the regulator's people page.
  'portal.console.staff.inviteName': {
    de: 'Name der eingeladenen Person (freiwillig; sonst gibt sie ihn selbst an)',
    en: 'Name of the person invited (optional; otherwise they give it themselves)',
  },
  'portal.console.staff.link': {
    de: 'Einmaliger Link (24 Stunden gültig):',
    en: 'One-time link (valid for 24 hours):',
  },
  'portal.console.staff.recover': {
    de: 'Neuen Passkey für {name} freigeben',
    en: 'Approve a new passkey for {name}',
  },
  'portal.console.staff.recoverExplain': {
    de: 'Nur wenn {name} den Passkey verloren hat: Passkeys und Signaturschlüssel von {name} funktionieren sofort nicht mehr, und alle Sitzungen von {name} enden, wo auch immer sie offen sind. Sie erhalten einen einmaligen Link (24 Stunden gültig), mit dem {name} einen neuen Passkey einrichtet.',
    en: 'Only if {name} has lost their passkey: their passkeys and signing key stop working at once, and every session of theirs ends, wherever it is open. You get a one-time link (valid for 24 hours) with which {name} sets up a new passkey.',
  },
  'portal.console.staff.recoverYes': {
    de: 'Ja, neuen Passkey für {name} freigeben',
    en: 'Yes, approve a new passkey for {name}',
  },
  'portal.console.staff.remove': { de: '{name} entfernen', en: 'Remove {name}' },
  'portal.console.staff.removeExplain': {
    de: '{name} wird sofort entfernt: Passkeys und Signaturschlüssel von {name} funktionieren nicht mehr, und alle Sitzungen von {name} enden. Das lässt sich nicht rückgängig machen; um wieder hier zu arbeiten, braucht {name} eine neue Einladung.',
    en: '{name} is removed at once: their passkeys and signing key stop working, and every session of theirs ends. This cannot be undone; to work here again, {name} needs a new invitation.',
  },
  'portal.console.staff.removeYes': { de: 'Ja, {name} entfernen', en: 'Yes, remove {name}' },
  'portal.console.staff.cancel': { de: 'Abbrechen', en: 'Cancel' },
  'portal.console.invitations.title': { de: 'Offene Einladungen', en: 'Open invitations' },
  'portal.console.invitations.none': {
    de: 'Keine offenen Einladungen.',
    en: 'No open invitations.',
  },
  'portal.console.invitations.noName': { de: '(ohne Namen)', en: '(no name given)' },
  'portal.console.invitations.recovery': {
    de: 'Neuer Passkey für {name}',
    en: 'New passkey for {name}',
  },
  'portal.console.invitations.createdBy': { de: 'Erstellt von', en: 'Created by' },
  'portal.console.invitations.byCompanyKey': { de: 'Unternehmensschlüssel', en: 'Company key' },
  'portal.console.invitations.byOperator': { de: 'Betreiber', en: 'Operator' },
  'portal.console.invitations.byOther': {
    de: 'Person nicht mehr aktiv',
    en: 'A person no longer active',
  },
  'portal.console.invitations.expires': { de: 'Gültig bis', en: 'Valid until' },
  'portal.console.invitations.withdraw': {
    de: 'Einladung zurückziehen: {name}, gültig bis {until}',
    en: 'Withdraw the invitation: {name}, valid until {until}',
  },
  'portal.console.invitations.withdrawn': {
    de: 'Zurückgezogen: Der Link funktioniert nicht mehr.',
    en: 'Withdrawn: the link no longer works.',
  },
  'portal.console.invitations.withdrawnRecovery': {
    de: 'Zurückgezogen: Der Link funktioniert nicht mehr. Der alte Passkey der Person endete schon, als der neue genehmigt wurde: Sie kann sich erst wieder anmelden, wenn jemand erneut einen neuen Passkey für sie genehmigt.',
    en: 'Withdrawn: the link no longer works. The person’s old passkey ended when the new one was approved: they can log in again only once someone approves a new passkey for them again.',
  },
  'portal.console.invitations.gone': {
    de: 'Diese Einladung ist nicht mehr offen: Sie wurde benutzt, ist abgelaufen oder wurde schon zurückgezogen.',
    en: 'This invitation is no longer open: it was used, has expired or was withdrawn already.',
  },
  'portal.console.staff.removed': {
    de: 'Entfernt: Die Person kann sich nicht mehr anmelden und nicht mehr für Ihr Unternehmen unterschreiben.',
    en: 'Removed: they can no longer log in or sign for your company.',
  },
  'portal.console.staff.recovering': {
    de: 'Wiederherstellung läuft',
    en: 'Recovery pending',
  },
  'portal.console.staff.you': { de: 'Das sind Sie', en: 'That is you' },
} as const satisfies Record<string, Entry>;
