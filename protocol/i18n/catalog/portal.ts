import type { Entry } from '../index';

/** Text of the Clearinghouse portal. */
export const portal = {
  'portal.nav.home': { de: 'Start', en: 'Home' },
  'portal.nav.skip': { de: 'Zum Inhalt springen', en: 'Skip to content' },
  'portal.language.switch': { de: 'Sprache wählen', en: 'Choose language' },
  'portal.language.apply': { de: 'Anwenden', en: 'Apply' },
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
    de: 'Der Assistent ist eine Browser-Erweiterung für Chromium und Firefox. Nach `npm start` liegt sie im Ordner {path}; laden Sie sie dort als entpackte Erweiterung.',
    en: 'The Assistant is a browser extension for Chromium and Firefox. After `npm start` it is in the folder {path}; load it from there as an unpacked extension.',
  },
  'portal.footer.version': {
    de: 'Clearingstelle, Version {version}',
    en: 'Clearinghouse, version {version}',
  },
  'portal.error.title': { de: 'Fehler {status}', en: 'Error {status}' },
  'portal.error.notFound': {
    de: 'Diese Seite gibt es nicht.',
    en: 'This page does not exist.',
  },
  'portal.error.back': { de: 'Zur Startseite', en: 'Back to the home page' },
  'portal.nav.apiDocs': { de: 'API-Dokumentation', en: 'API documentation' },
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
  'portal.apiDocs.notYet': {
    de: 'Die Routen für Zustellung, Pflichten und Aufsicht (Issue 5) gibt es noch nicht; sie fehlen hier deshalb.',
    en: 'The routes for relay, obligations and oversight (issue 5) do not exist yet and are therefore not listed.',
  },
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
  'portal.apiDocs.op.health': { de: 'Zustand und Version', en: 'Health and version' },
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
  'portal.apiDocs.op.logReceipt': { de: 'Die Quittung des Protokolls', en: 'The log receipt' },
  'portal.apiDocs.op.logInclusionProof': { de: 'Ein Einschlussbeweis', en: 'An inclusion proof' },
  'portal.apiDocs.op.logConsistencyProof': {
    de: 'Ein Konsistenzbeweis',
    en: 'A consistency proof',
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
} as const satisfies Record<string, Entry>;
