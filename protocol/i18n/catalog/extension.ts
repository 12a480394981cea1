import type { Entry } from '../index';

/**
 * Text of the Assistant (extension). The manifest's name is `common.assistantName`; the
 * `extension.manifest.*` entries also go into `_locales/<locale>/messages.json` at build time,
 * because the browser reads the manifest's strings only from there (Chrome: description at most
 * 132 characters).
 */
export const extension = {
  'extension.manifest.description': {
    de: 'Hält Ihre Einwilligungen auf Ihrem Gerät, lässt nur erlaubte Angebote durch und zeigt, wer welche Daten über Sie hat.',
    en: 'Keeps your consents on your device, lets through only the offers you allowed, and shows who holds which data about you.',
  },
  'extension.popup.title': { de: 'Ihr Einwilligungs-Assistent', en: 'Your Consent Assistant' },
  'extension.popup.version': { de: 'Version {version}', en: 'Version {version}' },
  'extension.popup.status.checking': {
    de: 'Assistent wird geprüft …',
    en: 'Checking the Assistant …',
  },
  'extension.popup.status.ready': {
    de: 'Der Assistent ist aktiv.',
    en: 'The Assistant is running.',
  },
  'extension.popup.status.unavailable': {
    de: 'Der Assistent antwortet nicht. Bitte laden Sie die Erweiterung neu.',
    en: 'The Assistant is not responding. Please reload the extension.',
  },
  'extension.popup.vault.absent': {
    de: 'Noch kein Tresor eingerichtet.',
    en: 'No vault set up yet.',
  },
  'extension.popup.vault.locked': {
    de: 'Tresor gesperrt.',
    en: 'Vault locked.',
  },
  'extension.popup.vault.unlocked': {
    de: 'Tresor entsperrt.',
    en: 'Vault unlocked.',
  },
  // `{count}` is the number of relationships; `{blacklist}`, formatted by the caller, reads the
  // same for one entry or many.
  'extension.popup.counts': {
    de: {
      one: '{blacklist} auf der Sperrliste, {count} Beziehung',
      other: '{blacklist} auf der Sperrliste, {count} Beziehungen',
    },
    en: {
      one: '{blacklist} blacklisted, {count} relationship',
      other: '{blacklist} blacklisted, {count} relationships',
    },
  },
  'extension.popup.lock': {
    de: 'Sperren',
    en: 'Lock',
  },
  'extension.popup.logKeyChanged': {
    de: 'Achtung: Die Clearingstelle zeigt einen anderen Protokollschlüssel als den festgehaltenen. Jemand könnte sich als Ihre Clearingstelle ausgeben. Der alte Schlüssel gilt weiter; prüfen Sie das in den Einstellungen der Übersicht.',
    en: 'Warning: the clearinghouse shows a different log key from the pinned one. Someone may be impersonating your clearinghouse. The old key stays in force; check this in the dashboard settings.',
  },
  'extension.popup.openDashboard': {
    de: 'Übersicht öffnen',
    en: 'Open dashboard',
  },
  // A failure that is no protocol error (the background not answering, a bug) may come after
  // the action took effect: no cause is named, and no "nothing was changed" (extension/ui/errors).
  'extension.error.unexpected': {
    de: 'Etwas ist unerwartet schiefgegangen. Laden Sie die Seite neu und prüfen Sie den aktuellen Stand, bevor Sie es erneut versuchen.',
    en: 'Something unexpected went wrong. Reload the page and check the current state before you try again.',
  },
  // For an error code a record keeps that this version does not know (or none).
  'extension.error.unknownCode': {
    de: 'Der Assistent kennt diesen Fehler nicht.',
    en: 'The Assistant does not recognise this error.',
  },
  // A field checked before anything is sent (extension/ui/input-rules): the field by its label,
  // and what it allows, read from the schema the background parses it with.
  'extension.input.wholeNumber': {
    de: 'Geben Sie bei „{field}“ eine ganze Zahl von {min} bis {max} ein.',
    en: 'Enter a whole number from {min} to {max} in “{field}”.',
  },
  'extension.input.missing': {
    de: '„{field}“ ist leer. Bitte füllen Sie das Feld aus.',
    en: '“{field}” is empty. Please fill it in.',
  },
  'extension.input.tooLong': {
    de: '„{field}“ ist zu lang: höchstens {max} Zeichen.',
    en: '“{field}” is too long: at most {max} characters.',
  },
  'extension.input.controlCharacters': {
    de: '„{field}“ enthält unsichtbare Steuer- oder Textrichtungszeichen. Bitte entfernen Sie sie; tippen Sie den Text am besten neu, statt ihn einzufügen.',
    en: '“{field}” contains invisible control or text-direction characters. Please remove them; it is best to type the text again rather than paste it.',
  },
  'extension.input.companyId': {
    de: '„{field}“ muss eine Unternehmens-ID sein: co_ und 43 Buchstaben, Ziffern, - oder _, wie sie die Seite des Unternehmens bei der Clearingstelle zeigt.',
    en: '“{field}” must be a company id: co_ followed by 43 letters, digits, - or _, as the company’s page at the clearinghouse shows it.',
  },
  'extension.input.timeZone': {
    de: '„{field}“ muss eine Zeitzone wie Europe/Berlin oder America/New_York sein.',
    en: '“{field}” must be a time zone such as Europe/Berlin or America/New_York.',
  },
  'extension.input.category': {
    de: '„{field}“ darf nur Kleinbuchstaben a–z (ohne Umlaute und ß), Ziffern und _ enthalten, in bis zu vier durch / getrennten Teilen (z. B. travel/rail).',
    en: '“{field}” may contain only lower-case letters a–z, digits and _, in up to four parts separated by / (e.g. travel/rail).',
  },
  // Below a field with a maximum length once it is nearly full (extension/ui/CharacterCount),
  // and the sentence once it is full: the browser takes nothing more, typed or pasted.
  'extension.input.count': {
    de: '{count} von {max} Zeichen',
    en: '{count} of {max} characters',
  },
  'extension.input.limitReached': {
    de: 'Mehr als {max} Zeichen nimmt dieses Feld nicht auf: Was Sie weiter tippen oder einfügen, wird nicht übernommen.',
    en: 'This field takes no more than {max} characters: anything more you type or paste is not taken.',
  },
  'extension.dashboard.title': {
    de: 'Assistent – Übersicht',
    en: 'Assistant – dashboard',
  },
  'extension.dashboard.loading': {
    de: 'Wird geladen …',
    en: 'Loading …',
  },
  'extension.dashboard.nav.label': {
    de: 'Bereiche',
    en: 'Sections',
  },
  'extension.dashboard.nav.profile': {
    de: 'Profil',
    en: 'Profile',
  },
  'extension.dashboard.nav.blacklist': {
    de: 'Sperrliste',
    en: 'Blacklist',
  },
  'extension.dashboard.nav.settings': {
    de: 'Einstellungen',
    en: 'Settings',
  },
  'extension.dashboard.nav.backup': {
    de: 'Sicherung',
    en: 'Backup',
  },
  'extension.dashboard.nav.recovery': {
    de: 'Wiederherstellung',
    en: 'Recovery',
  },
  'extension.dashboard.lock': {
    de: 'Tresor sperren',
    en: 'Lock the vault',
  },
  // The vault locked (idle time, the popup, another tab) while the dashboard showed its content.
  'extension.dashboard.lockedNotice': {
    de: 'Der Tresor wurde gesperrt. Entsperren Sie ihn, um weiterzuarbeiten.',
    en: 'The vault was locked. Unlock it to continue.',
  },
  'extension.dashboard.saved': {
    de: 'Gespeichert.',
    en: 'Saved.',
  },
  // After a save, while the form holds changes made since (during the save, or after it).
  'extension.dashboard.savedChangedSince': {
    de: 'Gespeichert. Was Sie seitdem geändert haben, ist noch nicht gespeichert.',
    en: 'Saved. What you changed since is not saved yet.',
  },
  'extension.dashboard.save': {
    de: 'Speichern',
    en: 'Save',
  },
  'extension.dashboard.remove': {
    de: 'Entfernen',
    en: 'Remove',
  },
  'extension.dashboard.add': {
    de: 'Hinzufügen',
    en: 'Add',
  },
  // Beside Save while the form holds edits not saved yet (kept while other views show).
  'extension.dashboard.unsaved': {
    de: 'Nicht gespeicherte Änderungen',
    en: 'Unsaved changes',
  },
  'extension.dashboard.discard': {
    de: 'Änderungen verwerfen',
    en: 'Discard changes',
  },
  'extension.dashboard.discarded': {
    de: 'Ihre Änderungen wurden verworfen. Das Formular zeigt wieder, was gespeichert ist.',
    en: 'Your changes were discarded. The form shows what is saved again.',
  },
  // A form shown again with the edits left unsaved when the customer went to another view.
  'extension.dashboard.restored': {
    de: 'Ihre Änderungen von vorhin sind wieder da, aber noch nicht gespeichert. Speichern oder verwerfen Sie sie am Ende des Formulars.',
    en: 'Your changes from before are back, but not saved yet. Save or discard them at the end of the form.',
  },
  'extension.dashboard.damaged.title': {
    de: 'Beschädigte Einträge',
    en: 'Damaged entries',
  },
  'extension.dashboard.damaged.body': {
    de: 'Diese Einträge lassen sich nicht entschlüsseln: Sie wurden verändert oder sind beschädigt. Sie bleiben erhalten, bis Sie sie entfernen. Eine Sicherung kann sie wiederherstellen.',
    en: 'These entries cannot be decrypted: they were altered or are damaged. They are kept until you remove them. A backup can restore them.',
  },
  'extension.dashboard.damaged.item': {
    de: '{table}: {id}',
    en: '{table}: {id}',
  },
  'extension.onboarding.title': {
    de: 'Willkommen beim Einwilligungs-Assistenten',
    en: 'Welcome to the Consent Assistant',
  },
  'extension.onboarding.intro': {
    de: 'Ihr Profil und Ihre Sperrliste bleiben verschlüsselt auf diesem Gerät. Legen Sie eine Passphrase fest, mit der Sie den Tresor entsperren.',
    en: 'Your profile and your blacklist stay encrypted on this device. Choose a passphrase to unlock the vault with.',
  },
  'extension.onboarding.passphrase': {
    de: 'Passphrase',
    en: 'Passphrase',
  },
  'extension.onboarding.confirmPassphrase': {
    de: 'Passphrase wiederholen',
    en: 'Repeat the passphrase',
  },
  'extension.onboarding.mismatch': {
    de: 'Die beiden Passphrasen stimmen nicht überein.',
    en: 'The two passphrases do not match.',
  },
  // A passphrase of white space only (extension/core/passphrase `newPassphraseProblem`): refused.
  'extension.onboarding.strength.blank': {
    de: 'Nur Leerzeichen: Das schützt nichts. Nehmen Sie mehrere Wörter.',
    en: 'Only spaces: that protects nothing. Use several words.',
  },
  'extension.onboarding.strength.too_short': {
    de: 'Zu kurz: mindestens 10 Zeichen.',
    en: 'Too short: at least 10 characters.',
  },
  'extension.onboarding.strength.weak': {
    de: 'Schwach: nehmen Sie mehrere Wörter.',
    en: 'Weak: use several words.',
  },
  'extension.onboarding.strength.fair': {
    de: 'Mittel: ein weiteres Wort macht sie stark.',
    en: 'Fair: one more word makes it strong.',
  },
  'extension.onboarding.strength.strong': {
    de: 'Stark.',
    en: 'Strong.',
  },
  'extension.onboarding.create': {
    de: 'Tresor anlegen',
    en: 'Create the vault',
  },
  'extension.onboarding.phraseTitle': {
    de: 'Ihre Wiederherstellungsphrase',
    en: 'Your recovery phrase',
  },
  'extension.onboarding.phraseIntro': {
    de: 'Schreiben Sie diese 24 Wörter in dieser Reihenfolge auf Papier. Sobald Sie drei davon unten eingegeben haben, werden sie nie wieder angezeigt. Mit ihnen stellen Sie Ihre Identität und Ihre Beziehungen auf einem neuen Gerät wieder her.',
    en: 'Write these 24 words down on paper, in this order. Once you have typed three of them back below, they are never shown again. With them you restore your identity and your relationships on a new device.',
  },
  'extension.onboarding.phraseSkip': {
    de: 'Weiter zum Dashboard (ohne die Phrase)',
    en: 'Go on to the dashboard (without the phrase)',
  },
  'extension.onboarding.phraseResumed': {
    de: 'Ihr Tresor ist angelegt, aber Sie haben Ihre Wiederherstellungsphrase noch nicht bestätigt. Ohne sie können Sie Ihre Daten auf einem neuen Gerät nicht wiederherstellen: Schreiben Sie sie jetzt auf.',
    en: 'Your vault exists, but you have not confirmed your recovery phrase yet. Without it you cannot restore your data on a new device: write it down now.',
  },
  'extension.onboarding.backupNote': {
    de: 'Profil und Sperrliste kommen nur aus einer Sicherung zurück, nicht aus der Phrase. Legen Sie deshalb auch Sicherungen an.',
    en: 'Profile and blacklist come back only from a backup, not from the phrase. So make backups too.',
  },
  'extension.onboarding.confirmWord': {
    de: 'Wort Nr. {n}',
    en: 'Word no. {n}',
  },
  'extension.onboarding.confirmIntro': {
    de: 'Zur Bestätigung: Geben Sie die folgenden Wörter ein.',
    en: 'To confirm, type the following words.',
  },
  'extension.onboarding.confirmWrong': {
    de: 'Mindestens ein Wort stimmt nicht. Sehen Sie auf Ihrer Notiz nach.',
    en: 'At least one word is wrong. Check your note.',
  },
  'extension.onboarding.confirm': {
    de: 'Bestätigen',
    en: 'Confirm',
  },
  'extension.onboarding.otherWays': {
    de: 'Schon einmal eingerichtet? Sie können auch aus einer Sicherung oder mit Ihrer Wiederherstellungsphrase beginnen.',
    en: 'Set up before? You can also start from a backup or with your recovery phrase.',
  },
  'extension.unlock.title': {
    de: 'Tresor entsperren',
    en: 'Unlock the vault',
  },
  'extension.unlock.submit': {
    de: 'Entsperren',
    en: 'Unlock',
  },
  'extension.profile.title': {
    de: 'Ihr Profil',
    en: 'Your profile',
  },
  'extension.profile.mode': {
    de: 'Modus',
    en: 'Mode',
  },
  'extension.profile.mode.manual': {
    de: 'Manuell: nur, was ich ausgewählt habe',
    en: 'Manual: only what I chose',
  },
  'extension.profile.mode.automatic': {
    de: 'Automatisch: aus meinen Reaktionen lernen',
    en: 'Automatic: learn from my feedback',
  },
  'extension.profile.serendipity': {
    de: 'Anteil überraschender Angebote: {percent} %',
    en: 'Share of surprising offers: {percent}%',
  },
  'extension.profile.channels': {
    de: 'Erlaubte Kanäle',
    en: 'Allowed channels',
  },
  'extension.profile.preferred': {
    de: 'Bevorzugter Kanal',
    en: 'Preferred channel',
  },
  'extension.profile.none': {
    de: 'keiner',
    en: 'none',
  },
  'extension.profile.quiet': {
    de: 'Ruhezeiten',
    en: 'Quiet hours',
  },
  'extension.profile.timeZone': {
    de: 'Zeitzone',
    en: 'Time zone',
  },
  'extension.profile.quietEmpty': {
    de: 'Keine Ruhezeiten festgelegt.',
    en: 'No quiet hours set.',
  },
  'extension.profile.from': {
    de: 'von',
    en: 'from',
  },
  'extension.profile.to': {
    de: 'bis',
    en: 'to',
  },
  'extension.profile.days': {
    de: 'Tage',
    en: 'Days',
  },
  'extension.profile.day.1': {
    de: 'Mo',
    en: 'Mon',
  },
  'extension.profile.day.2': {
    de: 'Di',
    en: 'Tue',
  },
  'extension.profile.day.3': {
    de: 'Mi',
    en: 'Wed',
  },
  'extension.profile.day.4': {
    de: 'Do',
    en: 'Thu',
  },
  'extension.profile.day.5': {
    de: 'Fr',
    en: 'Fri',
  },
  'extension.profile.day.6': {
    de: 'Sa',
    en: 'Sat',
  },
  'extension.profile.day.7': {
    de: 'So',
    en: 'Sun',
  },
  'extension.profile.caps': {
    de: 'Höchstens so viele Kontakte pro Woche (leer: keine Grenze)',
    en: 'At most this many contacts per week (empty: no limit)',
  },
  'extension.profile.capOverall': {
    de: 'insgesamt',
    en: 'overall',
  },
  'extension.profile.capPerCompany': {
    de: 'je Unternehmen',
    en: 'per company',
  },
  // `<label>.name`: what a sentence about a field calls it when its label carries a hint or
  // needs its legend (extension/ui/input-rules `fieldName`).
  'extension.profile.capOverall.name': {
    de: 'Kontakte pro Woche (insgesamt)',
    en: 'Contacts per week (overall)',
  },
  'extension.profile.capPerCompany.name': {
    de: 'Kontakte pro Woche (je Unternehmen)',
    en: 'Contacts per week (per company)',
  },
  'extension.profile.quietInvalid': {
    de: 'Jede Ruhezeit braucht mindestens einen Tag und eine Anfangs- und eine Endzeit, die sich unterscheiden.',
    en: 'Each quiet-hours window needs at least one day, and a start and an end time that differ.',
  },
  'extension.profile.interests': {
    de: 'Interessen',
    en: 'Interests',
  },
  'extension.profile.interestsEmpty': {
    de: 'Noch keine Interessen.',
    en: 'No interests yet.',
  },
  // A code, as companies' offers name their category (protocol/messages/relay `offerCategory`):
  // never translated, so the example is the same in every language.
  'extension.profile.category': {
    de: 'Kategorie-Code (z. B. travel/rail; nur a–z ohne Umlaute und ß, 0–9, _ und /)',
    en: 'Category code (e.g. travel/rail; only a–z, 0–9, _ and /)',
  },
  'extension.profile.category.name': {
    de: 'Kategorie-Code',
    en: 'Category code',
  },
  'extension.profile.weight': {
    de: 'Gewicht',
    en: 'Weight',
  },
  // An interest's weight as its slider announces it and shows it beside itself ({percent}
  // formatted by the caller: "50 %" in German, "−30%" in English).
  'extension.profile.weightValue': {
    de: 'Gewicht {percent}',
    en: 'Weight {percent}',
  },
  'extension.profile.companies': {
    de: 'Beziehung je Unternehmen',
    en: 'Relationship per company',
  },
  'extension.profile.companiesEmpty': {
    de: 'Noch keine Unternehmen.',
    en: 'No companies yet.',
  },
  'extension.profile.companyId': {
    de: 'Unternehmens-ID (co_…)',
    en: 'Company id (co_…)',
  },
  'extension.profile.companyId.name': {
    de: 'Unternehmens-ID',
    en: 'Company id',
  },
  'extension.profile.relationship': {
    de: 'Gewünschte Beziehung',
    en: 'Relationship wanted',
  },
  'extension.profile.language': {
    de: 'Sprache für Angebote',
    en: 'Language of offers',
  },
  // The accessible names of each row's controls, which say whose row they are in.
  'extension.profile.weightOf': {
    de: 'Gewicht von {category}',
    en: 'Weight of {category}',
  },
  'extension.profile.removeInterest': {
    de: 'Interesse {category} entfernen',
    en: 'Remove interest {category}',
  },
  'extension.profile.quietWindow': {
    de: 'Ruhezeit {number}',
    en: 'Quiet hours {number}',
  },
  'extension.profile.removeQuiet': {
    de: 'Ruhezeit {number} ({from} bis {to}) entfernen',
    en: 'Remove quiet hours {number} ({from} to {to})',
  },
  'extension.profile.relationshipWith': {
    de: 'Gewünschte Beziehung zu {company}',
    en: 'Relationship wanted with {company}',
  },
  'extension.profile.removeCompany': {
    de: 'Unternehmen {company} entfernen',
    en: 'Remove company {company}',
  },
  'extension.profile.changedElsewhere': {
    de: 'Ihr Profil wurde inzwischen an anderer Stelle geändert, zum Beispiel beim Zulassen von Kanälen mit einer Einwilligung. Ihre Änderungen sind deshalb noch nicht gespeichert. Das Formular zeigt jetzt das aktuelle Profil mit Ihren Änderungen darüber: Prüfen Sie es und speichern Sie noch einmal.',
    en: 'Your profile was changed elsewhere in the meantime, for example by allowing channels along with a consent. So your changes are not saved yet. The form now shows the current profile with your changes applied to it: check it and save again.',
  },
  'extension.blacklist.title': {
    de: 'Ihre Sperrliste',
    en: 'Your blacklist',
  },
  'extension.blacklist.empty': {
    de: 'Ihre Sperrliste ist leer.',
    en: 'Your blacklist is empty.',
  },
  'extension.blacklist.kind': {
    de: 'Was sperren?',
    en: 'Block what?',
  },
  'extension.blacklist.kind.company': {
    de: 'Unternehmen',
    en: 'Company',
  },
  'extension.blacklist.kind.brand': {
    de: 'Marke',
    en: 'Brand',
  },
  'extension.blacklist.brand': {
    de: 'Marke',
    en: 'Brand',
  },
  'extension.blacklist.reason': {
    de: 'Grund',
    en: 'Reason',
  },
  'extension.blacklist.note': {
    de: 'Notiz (optional)',
    en: 'Note (optional)',
  },
  'extension.blacklist.note.name': {
    de: 'Notiz',
    en: 'Note',
  },
  // A brand blocked for one company's offers only ("Not this brand" on an offer).
  'extension.blacklist.brandFrom': {
    de: '{brand} (nur von {company})',
    en: '{brand} (only from {company})',
  },
  'extension.blacklist.since': {
    de: 'seit {date}',
    en: 'since {date}',
  },
  'extension.blacklist.removed': {
    de: 'Von Ihrer Sperrliste entfernt: {name}.',
    en: 'Removed from your blacklist: {name}.',
  },
  'extension.blacklist.duplicate': {
    de: 'Das steht schon auf Ihrer Sperrliste.',
    en: 'This is already on your blacklist.',
  },
  'extension.blacklist.grants': {
    de: {
      one: 'Dieses Unternehmen hat {count} gültige Einwilligung von Ihnen. Widerrufen Sie sie in Ihrer Einwilligungsübersicht, sobald sie verfügbar ist.',
      other:
        'Dieses Unternehmen hat {count} gültige Einwilligungen von Ihnen. Widerrufen Sie sie in Ihrer Einwilligungsübersicht, sobald sie verfügbar ist.',
    },
    en: {
      one: 'This company holds {count} valid grant from you. Revoke it in your grant overview once it is available.',
      other:
        'This company holds {count} valid grants from you. Revoke them in your grant overview once it is available.',
    },
  },
  'extension.blacklist.signalQuestion': {
    de: 'Sollen wir der Clearingstelle anonym melden, dass Sie gesperrt haben? Sie zählt das für eine öffentliche Boykott-Zahl. Wir fragen nur einmal.',
    en: 'Shall we tell the clearinghouse anonymously that you blocked? It counts this towards a public boycott figure. We ask only once.',
  },
  'extension.blacklist.signalYes': {
    de: 'Ja, anonym melden',
    en: 'Yes, report anonymously',
  },
  'extension.blacklist.signalNo': {
    de: 'Nein, nie melden',
    en: 'No, never report',
  },
  'extension.blacklist.signal.sent': {
    de: 'Anonym gemeldet',
    en: 'Reported anonymously',
  },
  'extension.blacklist.signal.pending': {
    de: 'Anonyme Meldung wird gesendet, sobald die Clearingstelle erreichbar ist',
    en: 'The anonymous report will be sent once the clearinghouse can be reached',
  },
  'extension.blacklist.signal.refused': {
    de: 'Die Clearingstelle hat die anonyme Meldung abgelehnt',
    en: 'The clearinghouse refused the anonymous report',
  },
  'extension.blacklist.signal.withdrawPending': {
    de: 'Die Meldung wird zurückgenommen, sobald die Clearingstelle erreichbar ist',
    en: 'The report will be withdrawn once the clearinghouse can be reached',
  },
  'extension.blacklist.signal.withdrawRefused': {
    de: 'Die Clearingstelle hat die Rücknahme der Meldung abgelehnt',
    en: 'The clearinghouse refused to withdraw the report',
  },
  'extension.blacklist.signal.on': {
    de: 'Sperren von Unternehmen, mit denen Sie eine Beziehung haben, werden der Clearingstelle anonym gemeldet.',
    en: 'Blocking a company you have a relationship with is reported anonymously to the clearinghouse.',
  },
  'extension.blacklist.signal.off': {
    de: 'Ihre Sperren werden der Clearingstelle nicht gemeldet.',
    en: 'Your blocks are not reported to the clearinghouse.',
  },
  'extension.blacklist.signal.stop': {
    de: 'Nicht mehr melden und Meldungen zurücknehmen',
    en: 'Stop reporting and withdraw the reports',
  },
  'extension.blacklist.signal.start': {
    de: 'Anonym melden',
    en: 'Report anonymously',
  },
  'extension.blacklist.reason.unwanted_contact': {
    de: 'Unerwünschter Kontakt',
    en: 'Unwanted contact',
  },
  'extension.blacklist.reason.ignored_refusal': {
    de: 'Mein Nein wurde ignoriert',
    en: 'My refusal was ignored',
  },
  'extension.blacklist.reason.too_frequent': {
    de: 'Zu häufig',
    en: 'Too frequent',
  },
  'extension.blacklist.reason.irrelevant': {
    de: 'Unpassend',
    en: 'Irrelevant',
  },
  'extension.blacklist.reason.misleading': {
    de: 'Irreführend',
    en: 'Misleading',
  },
  'extension.blacklist.reason.data_misuse': {
    de: 'Missbrauch meiner Daten',
    en: 'Misuse of my data',
  },
  'extension.blacklist.reason.other': {
    de: 'Anderer Grund',
    en: 'Other reason',
  },
  'extension.settings.title': {
    de: 'Einstellungen',
    en: 'Settings',
  },
  'extension.settings.clearinghouseUrl': {
    de: 'Adresse der Clearingstelle',
    en: 'Clearinghouse address',
  },
  // The clearinghouse URL refused before it is saved (extension/core/settings).
  'extension.settings.url.insecure': {
    de: 'Die Adresse der Clearingstelle muss mit https:// beginnen: Unverschlüsseltes http:// ist nur für diesen Computer erlaubt (localhost, 127.0.0.1, [::1]). Nichts wurde gespeichert.',
    en: 'The clearinghouse address must start with https://: unencrypted http:// is allowed only for this computer (localhost, 127.0.0.1, [::1]). Nothing was saved.',
  },
  'extension.settings.url.malformed': {
    de: 'Das ist keine gültige Adresse der Clearingstelle. Erwartet wird etwa https://clearingstelle.example, ohne Benutzername, Passwort, „?“ oder „#“. Nichts wurde gespeichert.',
    en: 'This is not a valid clearinghouse address. Use something like https://clearinghouse.example, without a user name, password, “?” or “#”. Nothing was saved.',
  },
  // A clearinghouse address an earlier version stored that this one refuses (extension/core/settings
  // `replacedClearinghouseUrl`): {replaced} the old one, {current} the one used instead.
  'extension.settings.urlReplaced': {
    de: 'Die gespeicherte Adresse der Clearingstelle {replaced} beginnt mit unverschlüsseltem http:// und wird nicht mehr verwendet. Der Assistent spricht stattdessen mit {current}. Hat Ihre Clearingstelle eine https://-Adresse, tragen Sie diese unten ein und speichern Sie.',
    en: 'The stored clearinghouse address {replaced} starts with unencrypted http:// and is no longer used. The Assistant talks to {current} instead. If your clearinghouse has an https:// address, enter it below and save.',
  },
  'extension.settings.urlReplacedDismiss': {
    de: 'Verstanden',
    en: 'Understood',
  },
  'extension.settings.logKey': {
    de: 'Festgehaltener Protokollschlüssel',
    en: 'Pinned log key',
  },
  'extension.settings.logKeyNone': {
    de: 'Noch keiner: er wird beim ersten Kontakt festgehalten.',
    en: 'None yet: it is pinned on first contact.',
  },
  'extension.settings.logOrigin': {
    de: 'Protokoll',
    en: 'Log',
  },
  'extension.settings.urlClearsPin': {
    de: 'Wenn Sie die Adresse ändern, wird der festgehaltene Schlüssel vergessen: Eine neue Clearingstelle ist ein neuer erster Kontakt, ihr Schlüssel wird dann neu festgehalten.',
    en: 'Changing the address forgets the pinned key: a new clearinghouse is a new first contact, and its key is pinned afresh.',
  },
  'extension.settings.checkLogKey': {
    de: 'Schlüssel jetzt prüfen',
    en: 'Check the key now',
  },
  'extension.settings.logKey.pinned': {
    de: 'Erster Kontakt: Der Protokollschlüssel der Clearingstelle ist jetzt festgehalten.',
    en: 'First contact: the clearinghouse’s log key is now pinned.',
  },
  'extension.settings.logKey.same': {
    de: 'Die Clearingstelle zeigt den festgehaltenen Schlüssel.',
    en: 'The clearinghouse shows the pinned key.',
  },
  'extension.settings.logKey.mismatch': {
    de: 'Die Clearingstelle zeigt einen anderen Schlüssel. Der festgehaltene gilt weiter.',
    en: 'The clearinghouse shows a different key. The pinned one stays in force.',
  },
  'extension.settings.logKey.unreachable': {
    de: 'Die Clearingstelle ist nicht erreichbar. Nichts wurde geändert.',
    en: 'The clearinghouse cannot be reached. Nothing was changed.',
  },
  'extension.settings.logKey.invalid': {
    de: 'Die Beschreibung der Clearingstelle ist ungültig oder nennt eine andere Adresse. Nichts wurde geändert.',
    en: 'The clearinghouse’s description is invalid or names another address. Nothing was changed.',
  },
  'extension.settings.logKey.superseded': {
    de: 'Die Adresse wurde während der Prüfung geändert. Nichts wurde geändert; bitte erneut prüfen.',
    en: 'The address changed during the check. Nothing was changed; please check again.',
  },
  'extension.settings.mismatch.title': {
    de: 'Achtung: Der Protokollschlüssel der Clearingstelle hat sich geändert',
    en: 'Warning: the clearinghouse’s log key has changed',
  },
  'extension.settings.mismatch.body': {
    de: 'Am {seenAt} zeigte die Clearingstelle einen anderen Schlüssel als den beim ersten Kontakt festgehaltenen. Das kann ein legitimer Schlüsselwechsel sein, aber auch ein Angriff: Wer den Schlüssel austauscht, kann Ihnen ein gefälschtes Protokoll zeigen. Der alte Schlüssel gilt weiter.',
    en: 'On {seenAt} the clearinghouse showed a different key from the one pinned on first contact. This can be a legitimate key change, but also an attack: whoever swaps the key can show you a forged log. The old key stays in force.',
  },
  'extension.settings.mismatch.pinned': {
    de: 'Festgehalten',
    en: 'Pinned',
  },
  'extension.settings.mismatch.served': {
    de: 'Jetzt gezeigt',
    en: 'Now shown',
  },
  'extension.settings.mismatch.danger': {
    de: 'Vertrauen Sie dem neuen Schlüssel nur, wenn Sie ihn auf einem anderen Weg geprüft haben, etwa bei der Clearingstelle selbst: Wenn Sie einem falschen Schlüssel vertrauen, kann Ihnen ein Angreifer ein gefälschtes Protokoll zeigen, ohne dass der Assistent es bemerkt.',
    en: 'Trust the new key only if you have checked it another way, for example with the clearinghouse itself: if you trust a false key, an attacker can show you a forged log without the Assistant noticing.',
  },
  'extension.settings.mismatch.trust': {
    de: 'Ich habe das geprüft, dem neuen Schlüssel vertrauen',
    en: 'I have checked this, trust the new key',
  },
  'extension.settings.mismatch.trusted': {
    de: 'Der neue Schlüssel ist jetzt festgehalten.',
    en: 'The new key is now pinned.',
  },
  'extension.settings.autoLock': {
    de: 'Automatisch sperren nach (Minuten)',
    en: 'Lock automatically after (minutes)',
  },
  'extension.settings.language': {
    de: 'Sprache',
    en: 'Language',
  },
  'extension.settings.language.auto': {
    de: 'Wie der Browser',
    en: 'Like the browser',
  },
  'extension.settings.language.de': {
    de: 'Deutsch',
    en: 'Deutsch',
  },
  'extension.settings.language.en': {
    de: 'English',
    en: 'English',
  },
  'extension.settings.changePassphrase': {
    de: 'Passphrase ändern',
    en: 'Change the passphrase',
  },
  'extension.settings.currentPassphrase': {
    de: 'Bisherige Passphrase',
    en: 'Current passphrase',
  },
  'extension.settings.newPassphrase': {
    de: 'Neue Passphrase',
    en: 'New passphrase',
  },
  // The new passphrase typed again: a typo in it alone would lock the owner out of the vault.
  'extension.settings.repeatPassphrase': {
    de: 'Neue Passphrase wiederholen',
    en: 'Repeat the new passphrase',
  },
  'extension.settings.passphraseChanged': {
    de: 'Die Passphrase wurde geändert.',
    en: 'The passphrase was changed.',
  },
  'extension.settings.wipe': {
    de: 'Tresor löschen',
    en: 'Wipe the vault',
  },
  'extension.settings.wipeConfirm': {
    de: 'Ich verstehe: Alles auf diesem Gerät wird gelöscht. Ohne Sicherung ist es verloren.',
    en: 'I understand: everything on this device is deleted. Without a backup it is lost.',
  },
  'extension.problems.title': {
    de: 'Technische Probleme auf diesem Gerät',
    en: 'Technical problems on this device',
  },
  'extension.problems.lead': {
    de: 'Was im Assistenten in der letzten Woche unerwartet schiefging, höchstens 20 verschiedene Dinge: wobei, welcher Fehler und der Anfang seiner Meldung, ohne zitierte Werte und lange Kennungen. Es bleibt auf diesem Gerät, wird nirgends hingeschickt und mit dem Tresor gelöscht; für eine Fehlermeldung können Sie es kopieren (lesen Sie es vorher).',
    en: 'What went wrong unexpectedly in the Assistant over the last week, at most 20 different things: what it was doing, which error and the start of its message, without quoted values and long identifiers. It stays on this device, is sent nowhere and goes when the vault is wiped; you can copy it for a bug report (read it first).',
  },
  'extension.problems.none': {
    de: 'Keine.',
    en: 'None.',
  },
  'extension.problems.times': {
    de: { one: 'einmal', other: '{count}-mal' },
    en: { one: '{count} time', other: '{count} times' },
  },
  'extension.problems.copy': {
    de: 'Für eine Fehlermeldung kopieren',
    en: 'Copy for a bug report',
  },
  'extension.problems.copied': {
    de: 'Kopiert.',
    en: 'Copied.',
  },
  'extension.problems.copyFailed': {
    de: 'Der Browser hat das Kopieren nicht erlaubt. Markieren Sie die Liste und kopieren Sie sie selbst.',
    en: 'The browser did not allow copying. Select the list and copy it yourself.',
  },
  'extension.problems.clear': {
    de: 'Liste leeren',
    en: 'Clear the list',
  },
  'extension.problems.cleared': {
    de: 'Die Liste ist leer.',
    en: 'The list is empty.',
  },
  'extension.backup.title': {
    de: 'Sicherung',
    en: 'Backup',
  },
  'extension.backup.intro': {
    de: 'Die Sicherungsdatei ist verschlüsselt. Zum Wiederherstellen brauchen Sie die Passphrase, die beim Sichern galt.',
    en: 'The backup file is encrypted. To restore it you need the passphrase that was in use when you made it.',
  },
  'extension.backup.export': {
    de: 'Sicherung herunterladen',
    en: 'Download a backup',
  },
  'extension.backup.exported': {
    de: 'Die Sicherung wurde erstellt.',
    en: 'The backup was created.',
  },
  // While a backup is being made (the export button waits, a second press makes no second file).
  'extension.backup.exporting': {
    de: 'Die Sicherung wird erstellt …',
    en: 'The backup is being made …',
  },
  // A restore's ERR_VAULT_PASSPHRASE_WRONG: the passphrase is checked only by opening the file's
  // wrapped key (extension/vault/backup), which fails alike for a wrong passphrase and an altered
  // file.
  'extension.backup.passphraseWrong': {
    de: 'Die Passphrase ist falsch, oder die Datei ist beschädigt. Es wurde nichts verändert.',
    en: 'The passphrase is wrong, or the file is damaged. Nothing was changed.',
  },
  'extension.backup.restoreTitle': {
    de: 'Aus einer Sicherung wiederherstellen',
    en: 'Restore from a backup',
  },
  'extension.backup.file': {
    de: 'Sicherungsdatei',
    en: 'Backup file',
  },
  'extension.backup.passphrase': {
    de: 'Passphrase der Sicherung',
    en: 'Passphrase of the backup',
  },
  'extension.backup.replace': {
    de: 'Den jetzigen Tresor dabei ersetzen',
    en: 'Replace the current vault',
  },
  // Not just "Wiederherstellen": onboarding shows it beside `extension.recovery.submit`.
  'extension.backup.restore': {
    de: 'Aus der Sicherung wiederherstellen',
    en: 'Restore',
  },
  'extension.backup.noFile': {
    de: 'Wählen Sie zuerst eine Sicherungsdatei.',
    en: 'Choose a backup file first.',
  },
  // A vault is there and the box to replace it is not ticked: nothing was read or changed.
  'extension.backup.replaceNeeded': {
    de: 'Auf diesem Gerät gibt es schon einen Tresor. Um die Sicherung an seiner Stelle wiederherzustellen, kreuzen Sie „{replace}“ an. Es wurde nichts verändert.',
    en: 'There is a vault on this device already. To restore the backup in its place, tick “{replace}”. Nothing was changed.',
  },
  // While a restore is under way (the passphrase checked, then the Assistant's own writes under
  // way end before the data is replaced).
  'extension.backup.restoring': {
    de: 'Die Sicherung wird wiederhergestellt. Das dauert einige Sekunden: Zuerst wird die Passphrase geprüft, dann beendet der Assistent laufende Arbeiten, bevor er die Daten ersetzt.',
    en: 'The backup is being restored. This takes a few seconds: the passphrase is checked first, then the Assistant finishes work under way before it replaces the data.',
  },
  'extension.backup.restored': {
    de: 'Die Sicherung wurde wiederhergestellt.',
    en: 'The backup was restored.',
  },
  // After `restored`: what became of the settings the backup carries (`{url}`: the clearinghouse
  // address in use now). `settingsMissing`: a backup of an older Assistant, which had none;
  // `settingsNotRestored`: they did not validate (or could not be stored), this device's
  // were kept whole.
  'extension.backup.settingsRestored': {
    de: 'Auch Ihre Einstellungen aus der Sicherung gelten wieder, darunter die Adresse der Clearingstelle: {url}.',
    en: 'Your settings from the backup apply again too, including the clearinghouse address: {url}.',
  },
  'extension.backup.settingsMissing': {
    de: 'Diese Sicherung enthält keine Einstellungen (ältere Versionen des Assistenten sicherten sie nicht mit). Es gelten weiter die Einstellungen dieses Geräts, auch die Adresse der Clearingstelle: {url}. Haben Sie eine andere verwendet, tragen Sie sie unter „Einstellungen“ ein.',
    en: 'This backup holds no settings (older versions of the Assistant did not back them up). This device’s settings still apply, the clearinghouse address too: {url}. If you used another one, enter it under “Settings”.',
  },
  'extension.backup.settingsNotRestored': {
    de: 'Die Einstellungen in dieser Sicherung konnten nicht übernommen werden, keine davon; alles andere ist wiederhergestellt. Es gelten weiter die Einstellungen dieses Geräts, auch die Adresse der Clearingstelle: {url}. Prüfen Sie sie unter „Einstellungen“.',
    en: 'The settings in this backup could not be taken over, none of them; everything else is restored. This device’s settings still apply, the clearinghouse address too: {url}. Check it under “Settings”.',
  },
  // At onboarding, below a settings sentence that asks to check the address: on to the overview.
  'extension.backup.continue': {
    de: 'Weiter',
    en: 'Continue',
  },
  'extension.recovery.title': {
    de: 'Mit der Wiederherstellungsphrase',
    en: 'With the recovery phrase',
  },
  'extension.recovery.intro': {
    de: 'Die Phrase stellt Ihre Identität wieder her und fragt die Clearingstelle nach Ihren Beziehungen. Profil und Sperrliste kommen nur aus einer Sicherung zurück.',
    en: 'The phrase restores your identity and asks the clearinghouse for your relationships. Profile and blacklist come back only from a backup.',
  },
  'extension.recovery.phrase': {
    de: 'Die 24 Wörter',
    en: 'The 24 words',
  },
  'extension.recovery.newPassphrase': {
    de: 'Neue Passphrase für diesen Tresor',
    en: 'New passphrase for this vault',
  },
  // Not just "Wiederherstellen": onboarding shows it beside `extension.backup.restore`.
  'extension.recovery.submit': {
    de: 'Mit der Wiederherstellungsphrase wiederherstellen',
    en: 'Recover',
  },
  // A recovery's outcome: `checked`, then `restored`, then `failed` where some failed (then the
  // complaints, below).
  'extension.recovery.checked': {
    de: { one: '{count} Unternehmen geprüft.', other: '{count} Unternehmen geprüft.' },
    en: { one: '{count} company checked.', other: '{count} companies checked.' },
  },
  'extension.recovery.restored': {
    de: {
      one: '{count} Beziehung wiederhergestellt.',
      other: '{count} Beziehungen wiederhergestellt.',
    },
    en: { one: '{count} relationship restored.', other: '{count} relationships restored.' },
  },
  'extension.recovery.unreachable': {
    de: 'Ihre Identität ist wiederhergestellt und der Tresor geöffnet, aber die Clearingstelle war nicht erreichbar: Ihre Beziehungen sind noch nicht alle wiederhergestellt. Prüfen Sie ihre Adresse unter „Einstellungen“ und starten Sie dann unter „Wiederherstellung“ die Wiederherstellung erneut (ohne neue Passphrase).',
    en: 'Your identity is restored and the vault is open, but the clearinghouse could not be reached: not all your relationships are restored yet. Check its address under “Settings”, then run the recovery again under “Recovery” (no new passphrase needed).',
  },
  'extension.recovery.soFar': {
    de: 'Bis dahin:',
    en: 'Up to then:',
  },
  'extension.recovery.failed': {
    de: {
      one: '{count} Unternehmen konnte nicht geprüft werden. Versuchen Sie es später noch einmal.',
      other:
        '{count} Unternehmen konnten nicht geprüft werden. Versuchen Sie es später noch einmal.',
    },
    en: {
      one: '{count} company could not be checked. Please try again later.',
      other: '{count} companies could not be checked. Please try again later.',
    },
  },
  // After `restored`: the complaints the recovered relationships listed (extension/core/recovery),
  // then, where some did not come back, how many.
  'extension.recovery.complaints': {
    de: {
      one: '{count} Beschwerde wiederhergestellt.',
      other: '{count} Beschwerden wiederhergestellt.',
    },
    en: { one: '{count} complaint restored.', other: '{count} complaints restored.' },
  },
  'extension.recovery.complaintsNotRestored': {
    de: {
      one: '{count} Beschwerde konnte nicht wiederhergestellt werden: Die Clearingstelle hat keine Kopie mehr oder sie ließ sich nicht als Ihre prüfen.',
      other:
        '{count} Beschwerden konnten nicht wiederhergestellt werden: Die Clearingstelle hat keine Kopie mehr oder sie ließen sich nicht als Ihre prüfen.',
    },
    en: {
      one: '{count} complaint could not be restored: the clearinghouse no longer has a copy, or it could not be checked as yours.',
      other:
        '{count} complaints could not be restored: the clearinghouse no longer has a copy, or they could not be checked as yours.',
    },
  },
  // While a recovery runs (extension/service.ts `recover`): at onboarding the vault is created
  // first; then the clearinghouse is asked, page by page of its registry, for the relationships.
  'extension.recovery.working': {
    de: 'Wiederherstellung läuft … Der Assistent stellt Ihre Identität aus der Phrase wieder her und fragt dann die Clearingstelle nach Ihren Beziehungen, Unternehmen für Unternehmen aus ihrem Verzeichnis. Das kann eine Minute oder länger dauern.',
    en: 'Recovering … The Assistant restores your identity from the phrase, then asks the clearinghouse about your relationships, company by company of its registry. This can take a minute or more.',
  },
  // A typed phrase refused before anything is sent (extension/core/identity `phraseProblem`).
  'extension.recovery.phraseCount': {
    de: {
      one: 'Sie haben {count} Wort eingegeben; eine Wiederherstellungsphrase hat genau 24. Es wurde nichts verändert.',
      other:
        'Sie haben {count} Wörter eingegeben; eine Wiederherstellungsphrase hat genau 24. Es wurde nichts verändert.',
    },
    en: {
      one: 'You typed {count} word; a recovery phrase has exactly 24. Nothing was changed.',
      other: 'You typed {count} words; a recovery phrase has exactly 24. Nothing was changed.',
    },
  },
  'extension.recovery.phraseWord': {
    de: 'Wort {position}, „{word}“, gehört nicht zu den Wörtern, die in einer Wiederherstellungsphrase vorkommen können. Prüfen Sie die Schreibweise anhand Ihrer Notiz. Es wurde nichts verändert.',
    en: 'Word {position}, “{word}”, is not one of the words a recovery phrase can contain. Check its spelling against your note. Nothing was changed.',
  },
  'extension.recovery.phraseChecksum': {
    de: 'Alle 24 Wörter sind gültig, passen aber nicht zusammen: Wahrscheinlich ist eines falsch, aber zufällig ebenfalls ein gültiges Wort, oder zwei Wörter stehen in der falschen Reihenfolge. Vergleichen Sie sie mit Ihrer Notiz. Es wurde nichts verändert.',
    en: 'All 24 words are valid, but they do not fit together: probably one is wrong but happens to be a valid word too, or two words are in the wrong order. Compare them with your note. Nothing was changed.',
  },
  // Issue 7: the consent window (extension/ui/consent) and the relationships view.
  'extension.consent.title': {
    de: 'Anfrage um Ihre Einwilligung',
    en: 'A request for your consent',
  },
  'extension.consent.loading': { de: 'Anfrage wird geprüft …', en: 'Checking the request …' },
  'extension.consent.who': {
    de: '{company} ({domain}) bittet um Ihre Einwilligung.',
    en: '{company} ({domain}) asks for your consent.',
  },
  'extension.consent.checked': {
    de: 'Vom Assistenten geprüft: Signatur, Status und Website des Unternehmens stimmen.',
    en: "Checked by your Assistant: the company's signature, status and website match.",
  },
  'extension.consent.reason': { de: 'Begründung des Unternehmens', en: "The company's reason" },
  'extension.consent.incentive': { de: 'Was Sie dafür bekommen', en: 'What you get in return' },
  'extension.consent.noIncentive': {
    de: 'Keine Gegenleistung angeboten.',
    en: 'Nothing offered in return.',
  },
  'extension.consent.purpose': { de: 'Zweck: {purpose}', en: 'Purpose: {purpose}' },
  'extension.consent.includePurpose': { de: 'Diesen Zweck erlauben', en: 'Allow this purpose' },
  'extension.consent.channels': { de: 'Kanäle', en: 'Channels' },
  'extension.consent.categories': { de: 'Daten', en: 'Data' },
  'extension.consent.noCategories': { de: 'Keine Daten erbeten.', en: 'No data asked for.' },
  'extension.consent.sensitive': { de: 'sensibel', en: 'sensitive' },
  // Each limit in its own group: the heading names the limit, the field is the customer's own
  // choice, and what the company asked for is the field's hint (aria-describedby).
  'extension.consent.frequency': {
    de: 'Wie oft pro Woche',
    en: 'How often a week',
  },
  'extension.consent.frequencyLimit': {
    de: 'Höchstens (Mal pro Woche)',
    en: 'At most (times a week)',
  },
  'extension.consent.frequencyAsked': {
    de: {
      one: 'Erbeten: höchstens einmal pro Woche',
      other: 'Erbeten: höchstens {count}-mal pro Woche',
    },
    en: { one: 'Asked: at most once a week', other: 'Asked: at most {count} times a week' },
  },
  'extension.consent.frequencyOpen': {
    de: 'Das Unternehmen hat keine Obergrenze erbeten. Leer heißt: keine Obergrenze.',
    en: 'The company asked for no limit. Empty means no limit.',
  },
  'extension.consent.retention': { de: 'Aufbewahrung in Tagen', en: 'Kept for (days)' },
  'extension.consent.retentionHeading': {
    de: 'Wie lange die Daten aufbewahrt werden',
    en: 'How long the data is kept',
  },
  'extension.consent.retentionAsked': {
    de: { one: 'Erbeten: höchstens einen Tag', other: 'Erbeten: höchstens {count} Tage' },
    en: { one: 'Asked: at most one day', other: 'Asked: at most {count} days' },
  },
  // Nothing to grant is ticked (only channels the profile allows are, and it allows none of
  // those asked for; or the customer unticked them): said before the answer, with what to do.
  'extension.consent.noChannel': {
    de: 'Noch ist kein Kanal angekreuzt: Vorab angekreuzt sind nur Kanäle, die Ihr Profil schon zulässt. Um einzuwilligen, kreuzen Sie den Zweck und mindestens einen Kanal an, auf dem das Unternehmen Sie kontaktieren darf. Sonst lehnen Sie ab oder entscheiden später.',
    en: 'No channel is ticked yet: only channels your profile already allows are ticked for you. To grant, tick the purpose and at least one channel on which the company may contact you. Otherwise refuse, or decide later.',
  },
  // The problems found before anything is sent, listed together at the top (error summary).
  'extension.consent.problems': {
    de: {
      one: 'Noch wurde nichts gesendet. Bitte korrigieren Sie diese Angabe:',
      other: 'Noch wurde nichts gesendet. Bitte korrigieren Sie diese {count} Angaben:',
    },
    en: {
      one: 'Nothing was sent yet. Please correct this:',
      other: 'Nothing was sent yet. Please correct these {count} things:',
    },
  },
  'extension.consent.channelMissing': {
    de: 'Kreuzen Sie bei „{purpose}“ mindestens einen Kanal an oder wählen Sie den Zweck ab.',
    en: 'Tick at least one channel for “{purpose}”, or untick that purpose.',
  },
  'extension.consent.purposeMissing': {
    de: 'Kreuzen Sie mindestens einen Zweck mit einem Kanal an, um einzuwilligen, oder lehnen Sie ab.',
    en: 'Tick at least one purpose with a channel to grant, or refuse.',
  },
  'extension.consent.recipients': { de: 'Weitere Empfänger', en: 'Other recipients' },
  'extension.consent.noRecipients': {
    de: 'Niemand sonst erhält die Daten.',
    en: 'Nobody else receives the data.',
  },
  'extension.consent.duration': {
    de: 'Wie lange die Einwilligung gilt (Tage)',
    en: 'How long the consent lasts (days)',
  },
  'extension.consent.preferred': { de: 'Bevorzugter Kanal', en: 'Preferred channel' },
  // A channel about to be granted that the profile does not allow (the offer filter's rule 3
  // would hide its offers): said beside the channel choice, with a box to allow it there too.
  'extension.consent.channelNotAllowed': {
    de: 'Ihr Profil lässt den Kanal „{channel}“ bisher nicht zu: Angebote auf diesem Weg würden ausgeblendet.',
    en: 'Your profile does not allow the channel “{channel}” yet: offers this way would be hidden.',
  },
  'extension.consent.allowChannel': {
    de: '„{channel}“ in meinem Profil zulassen',
    en: 'Allow “{channel}” in my profile',
  },
  // The grant was stored, the profile could not be changed after it: the grant stands.
  // The answer failed (the grant may still go through later, e.g. once the clearinghouse is
  // reached again): the channels to allow were not allowed in the profile.
  'extension.consent.channelsUnchanged': {
    de: 'Ihr Profil wurde nicht geändert; diese Kanäle bleiben dort nicht zugelassen: {channels}. Geht die Einwilligung später noch ein, lassen Sie sie in der Übersicht unter „Profil“ zu, sonst werden Angebote auf diesen Wegen ausgeblendet.',
    en: 'Your profile was not changed; these channels stay not allowed there: {channels}. Should the consent still go through later, allow them in the overview under “Profile”, or offers this way stay hidden.',
  },
  'extension.consent.profileNotChanged': {
    de: 'Ihre Einwilligung gilt. Ihr Profil konnte aber nicht geändert werden und lässt weiterhin nicht zu: {channels}. Angebote auf diesem Weg bleiben ausgeblendet, bis Sie das in der Übersicht unter „Profil“ ändern.',
    en: 'Your consent stands, but your profile could not be changed and still does not allow {channels}. Offers that way stay hidden until you change this in the dashboard under “Profile”.',
  },
  'extension.consent.grant': { de: 'Einwilligen', en: 'Grant' },
  'extension.consent.refuse': { de: 'Ablehnen', en: 'Refuse' },
  'extension.consent.askAgain': {
    de: 'Ablehnen und erst wieder fragen nach (Tagen)',
    en: 'Refuse and ask me again after (days)',
  },
  'extension.consent.refuseLater': {
    de: 'Ablehnen, später wieder fragen',
    en: 'Refuse, ask me later',
  },
  'extension.consent.working': {
    de: 'Wird unterschrieben und übermittelt …',
    en: 'Signing and sending …',
  },
  'extension.consent.granted': {
    de: 'Eingewilligt. Die Quittung wurde geprüft und gespeichert.',
    en: 'Granted. The receipt was verified and stored.',
  },
  'extension.consent.grantedPending': {
    de: 'Eingewilligt. Die Quittung folgt; der Assistent prüft sie, sobald sie da ist.',
    en: 'Granted. The receipt follows; the Assistant checks it when it arrives.',
  },
  'extension.consent.refused': { de: 'Abgelehnt.', en: 'Refused.' },
  // The answer that went is one given earlier to this request, whose fate was not known, sent
  // again in its place (extension/core/wallet `earlierAnswer`).
  'extension.consent.earlierAnswer': {
    de: 'Ihre frühere Antwort auf diese Anfrage war schon unterwegs; ob sie angekommen ist, war aber nicht bekannt. Der Assistent hat sie an Stelle dieser Antwort erneut gesendet, damit das Unternehmen nie zwei Antworten erhält: Es gilt, was Sie damals gewählt haben.',
    en: 'Your earlier answer to this request was already on its way, but whether it arrived was not known. The Assistant sent it again in place of this one, so that the company never gets two answers: what you chose then stands.',
  },
  // The answer went, then a backup restore replaced the vault, which does not hold it
  // (extension/core/wallet `sentBefore`). The recovery view (dashboard "Recovery") asks the
  // clearinghouse for the identity's relationships, this answer among them.
  'extension.consent.answerNotKept': {
    de: 'Ihre Antwort ist beim Unternehmen angekommen, aber inzwischen wurde eine Sicherung wiederhergestellt, und die wiederhergestellten Daten enthalten sie nicht. Stammt diese Sicherung von derselben Identität (derselben Wiederherstellungsphrase), holen Sie die Antwort in der Übersicht unter „Wiederherstellung“ zurück, indem Sie mit Ihrer Wiederherstellungsphrase wiederherstellen.',
    en: 'Your answer reached the company, but a backup was restored meanwhile and the restored data does not hold it. If that backup is of the same identity (the same recovery phrase), you get the answer back in the dashboard under “Recovery” by recovering with your recovery phrase.',
  },
  'extension.consent.refusedUntil': {
    de: 'Abgelehnt. Sie werden nicht vor dem {date} wieder gefragt.',
    en: 'Refused. You will not be asked again before {date}.',
  },
  // A grant to the same company still in force (extension/service.ts `activeGrantsOf`), one
  // sentence each, then `.activeGrantStays`: a refusal of this request does not revoke it. Those
  // given earlier to this same request and still in the outbox, then `.activeGrantWithdrawn`: a
  // refusal revokes them first (extension/core/wallet `grantsRevokedByRefusal`).
  'extension.consent.activeGrant': {
    de: 'Sie erlauben {company} bereits: {purposes}, seit dem {since}, gültig bis zum {until}.',
    en: 'You already allow {company}: {purposes}, since {since}, valid until {until}.',
  },
  'extension.consent.activeGrantStays': {
    de: 'Eine Ablehnung dieser Anfrage widerruft das nicht. Widerrufen können Sie es in der Übersicht unter „Beziehungen“.',
    en: 'Refusing this request does not withdraw that. You can withdraw it in the overview under “Relationships”.',
  },
  'extension.consent.activeGrantWithdrawn': {
    de: 'Das haben Sie mit einer früheren Antwort auf diese Anfrage erlaubt. Eine Ablehnung dieser Anfrage widerruft das.',
    en: 'You allowed that with an earlier answer to this request. Refusing this request withdraws it.',
  },
  // After a refusal while such a grant stays in force.
  'extension.consent.activeGrantsRemain': {
    de: 'Was Sie {company} schon vorher erlaubt haben, gilt weiter. Widerrufen können Sie es in der Übersicht unter „Beziehungen“.',
    en: 'What you allowed {company} before remains in force. You can withdraw it in the overview under “Relationships”.',
  },
  // After a refusal, of the grants `.activeGrantWithdrawn` said it withdraws, those it did not:
  // their outbox entry went while the window was open (extension/service.ts `answerConsent`).
  // `{dates}`: the days they were given, as one list; `{count}`: how many grants.
  'extension.consent.notWithdrawn': {
    de: {
      one: 'Ihre frühere Einwilligung vom {dates} war schon vor Ihrer Ablehnung beim Unternehmen angekommen, deshalb hat die Ablehnung sie nicht widerrufen: Sie gilt weiter. Widerrufen können Sie sie in der Übersicht unter „Beziehungen“.',
      other:
        'Ihre {count} früheren Einwilligungen vom {dates} waren schon vor Ihrer Ablehnung beim Unternehmen angekommen, deshalb hat die Ablehnung sie nicht widerrufen: Sie gelten weiter. Widerrufen können Sie sie in der Übersicht unter „Beziehungen“.',
    },
    en: {
      one: 'Your earlier consent of {dates} had already reached the company before your refusal, so the refusal did not withdraw it: it remains in force. You can withdraw it in the overview under “Relationships”.',
      other:
        'Your {count} earlier consents of {dates} had already reached the company before your refusal, so the refusal did not withdraw them: they remain in force. You can withdraw them in the overview under “Relationships”.',
    },
  },
  // "Refuse, ask me later" with its days left empty: nothing is refused (it was a plain refusal).
  'extension.consent.askAgainMissing': {
    de: 'Geben Sie die Zahl der Tage ein, nach denen Sie wieder gefragt werden möchten: eine ganze Zahl von {min} bis {max}. Es wurde nichts abgelehnt.',
    en: 'Enter the number of days after which you may be asked again: a whole number from {min} to {max}. Nothing was refused.',
  },
  'extension.consent.close': { de: 'Fenster schließen', en: 'Close window' },
  'extension.consent.backToDashboard': { de: 'Zurück zur Übersicht', en: 'Back to the overview' },
  // "Decide later" (and Escape): the window is left as closing it would; the page hears `cancelled`.
  'extension.consent.later': { de: 'Später entscheiden', en: 'Decide later' },
  'extension.consent.laterHint': {
    de: 'Es wird nichts erlaubt und nichts abgelehnt. Das Unternehmen erfährt nur, dass Sie jetzt nicht entschieden haben, und kann Sie ein anderes Mal wieder fragen. Die Esc-Taste bewirkt dasselbe.',
    en: 'Nothing is granted and nothing refused. The company learns only that you did not decide now, and may ask you again another time. The Esc key does the same.',
  },
  // Opened from the dashboard (a pasted link, a targeted request): no page waits for an answer.
  'extension.consent.laterHintDashboard': {
    de: 'Es wird nichts erlaubt und nichts abgelehnt, und das Unternehmen erfährt nichts davon. Sie kehren zur Übersicht zurück: Eine an Sie gerichtete Anfrage steht dort weiter, einen eingefügten Link fügen Sie einfach noch einmal ein. Die Esc-Taste bewirkt dasselbe.',
    en: 'Nothing is granted and nothing refused, and the company is told nothing. You go back to the overview: a request addressed to you stays listed there, and a pasted link you simply paste again. The Esc key does the same.',
  },
  // The customer's own checks declined a page's request: the company learns only "cancelled".
  'extension.consent.declined.blacklisted': {
    de: 'Sie haben dieses Unternehmen oder eine seiner Marken auf Ihre Sperrliste gesetzt. Der Assistent hat die Anfrage deshalb abgelehnt. Das Unternehmen erfährt nur, dass dieses Fenster ohne Antwort geschlossen wurde, nicht warum.',
    en: 'You put this company or one of its brands on your blacklist, so the Assistant declined the request. The company learns only that this window was closed without an answer, not why.',
  },
  'extension.consent.declined.askAgainLater': {
    de: 'Sie haben dieses Unternehmen gebeten, Sie erst später wieder zu fragen, und diese Zeit ist noch nicht um. Der Assistent hat die Anfrage deshalb abgelehnt. Das Unternehmen erfährt nur, dass dieses Fenster ohne Antwort geschlossen wurde, nicht warum.',
    en: 'You asked this company not to ask you again before a later date, and that date has not come. So the Assistant declined the request. The company learns only that this window was closed without an answer, not why.',
  },
  'extension.dashboard.nav.relationships': { de: 'Beziehungen', en: 'Relationships' },
  'extension.relationships.title': {
    de: 'Ihre Beziehungen zu Unternehmen',
    en: 'Your relationships with companies',
  },
  'extension.relationships.empty': {
    de: 'Noch keine Beziehungen. Sie entstehen, wenn Sie eine Anfrage beantworten.',
    en: 'No relationships yet. They begin when you answer a request.',
  },
  'extension.relationships.refresh': { de: 'Aktualisieren', en: 'Refresh' },
  // While a refresh waits for the clearinghouse (up to the client's timeout), over the stored list.
  'extension.relationships.refreshing': {
    de: 'Die Beziehungen werden mit den Angaben der Clearingstelle aktualisiert … Das kann dauern; bis dahin sehen Sie, was der Assistent gespeichert hat.',
    en: 'Refreshing the relationships from the clearinghouse … This may take a while; until then you see what the Assistant stored.',
  },
  'extension.relationships.status': {
    de: 'Status des Unternehmens: {status}',
    en: 'Company status: {status}',
  },
  'extension.relationships.status.unknown': { de: 'unbekannt', en: 'unknown' },
  'extension.relationships.grant': {
    de: 'Einwilligung ({status}) für: {purposes}; gültig bis {until}',
    en: 'Consent ({status}) for: {purposes}; valid until {until}',
  },
  // A revoked grant ends with its revocation, not at its "valid until": {date} is when the
  // customer signed the revocation; without one in the listing, `.revokedUndated`.
  'extension.relationships.grant.revokedOn': {
    de: 'Einwilligung (widerrufen am {date}) für: {purposes}',
    en: 'Consent (revoked on {date}) for: {purposes}',
  },
  'extension.relationships.grant.revokedUndated': {
    de: 'Einwilligung (widerrufen) für: {purposes}',
    en: 'Consent (revoked) for: {purposes}',
  },
  // Under a grant in force, per purpose: what the customer signed (the grant's scope).
  'extension.relationships.scope': { de: '{purpose}: {details}', en: '{purpose}: {details}' },
  'extension.relationships.scope.channels': {
    de: 'über {channels}',
    en: 'by {channels}',
  },
  'extension.relationships.scope.perWeek': {
    de: {
      one: 'höchstens {count} Kontakt pro Woche',
      other: 'höchstens {count} Kontakte pro Woche',
    },
    en: { one: 'at most {count} contact a week', other: 'at most {count} contacts a week' },
  },
  'extension.relationships.scope.noLimit': {
    de: 'ohne wöchentliche Obergrenze',
    en: 'no weekly limit',
  },
  'extension.relationships.scope.retention': {
    de: { one: 'Daten {count} Tag aufbewahrt', other: 'Daten {count} Tage aufbewahrt' },
    en: { one: 'data kept for {count} day', other: 'data kept for {count} days' },
  },
  'extension.relationships.grant.active': { de: 'aktiv', en: 'active' },
  'extension.relationships.grant.revoked': { de: 'widerrufen', en: 'revoked' },
  'extension.relationships.grant.expired': { de: 'abgelaufen', en: 'expired' },
  'extension.relationships.revokedPurposes': {
    de: 'Widerrufen für: {purposes}',
    en: 'Revoked for: {purposes}',
  },
  // Some purposes of a grant still in force, taken back by the revocation the customer signed on
  // {date}; followed by `.revocation.*`, whether the company confirmed it.
  'extension.relationships.revokedPurposesOn': {
    de: 'Am {date} widerrufen für: {purposes}',
    en: 'Revoked on {date} for: {purposes}',
  },
  // After the line of the revocation it belongs to (`.grant.revokedOn`, `.revokedPurposesOn`).
  'extension.relationships.revocation.confirmed': {
    de: '– das Unternehmen hat den Widerruf bestätigt',
    en: '— the company confirmed the revocation',
  },
  // {date}: when the clearinghouse stored the company's acknowledgement; without one in the
  // listing (an older clearinghouse), `.revocation.confirmed`.
  'extension.relationships.revocation.confirmedOn': {
    de: '– das Unternehmen hat den Widerruf am {date} bestätigt',
    en: '— the company confirmed the revocation on {date}',
  },
  'extension.relationships.revocation.waiting': {
    de: '– das Unternehmen hat den Widerruf noch nicht bestätigt',
    en: '— the company has not confirmed the revocation yet',
  },
  'extension.relationships.revocation.overdue': {
    de: '– überfällig: Das Unternehmen hat den Widerruf nicht rechtzeitig bestätigt',
    en: '— overdue: the company did not confirm the revocation in time',
  },
  // How many requests of the company the customer said no to, in plain words (was "Refusals: n").
  'extension.relationships.refusals': {
    de: {
      one: 'Sie haben eine Anfrage dieses Unternehmens abgelehnt.',
      other: 'Sie haben {count} Anfragen dieses Unternehmens abgelehnt.',
    },
    en: {
      one: 'You said no to one request from this company.',
      other: 'You said no to {count} requests from this company.',
    },
  },
  // The latest "ask me again after" of a refusal still running ("Refuse, ask me later"): the
  // Assistant turns the company's requests away until then (extension/core/wallet `coolDownUntil`).
  'extension.relationships.askAgainAfter': {
    de: 'Sie werden von diesem Unternehmen nicht vor dem {date} wieder gefragt: Bis dahin lehnt der Assistent seine Anfragen ab, ohne Sie zu fragen. Diese Pause ist mit Ihrer Ablehnung unterschrieben und lässt sich nicht vorzeitig aufheben.',
    en: 'This company will not ask you again before {date}: until then the Assistant turns its requests away without asking you. The pause is signed with your refusal and cannot be lifted early.',
  },
  // Receipts: the clearinghouse's signed confirmation that it logged an answer of the customer.
  'extension.relationships.receipts': {
    de: {
      one: 'Die Clearingstelle hat eine Ihrer Antworten nachweislich gespeichert (die Quittung ist geprüft).',
      other:
        'Die Clearingstelle hat {count} Ihrer Antworten nachweislich gespeichert (die Quittungen sind geprüft).',
    },
    en: {
      one: 'The clearinghouse confirmed that it recorded one of your answers (its receipt checked out).',
      other:
        'The clearinghouse confirmed that it recorded {count} of your answers (their receipts checked out).',
    },
  },
  'extension.relationships.receipts.none': {
    de: 'Die Clearingstelle hat noch keine Ihrer Antworten nachweislich bestätigt.',
    en: 'The clearinghouse has not yet confirmed recording any of your answers.',
  },
  'extension.relationships.pendingReceipts': {
    de: 'Ausstehende Quittungen: {count}',
    en: 'Receipts still to come: {count}',
  },
  'extension.relationships.receiptsGivenUp': {
    de: 'Wegen der Speichergrenze nicht mehr aufbewahrte Quittungen: {count}',
    en: 'Receipts no longer kept because of the storage limit: {count}',
  },
  // The summary of a closed list: what failed, one line per kind and reason (`.grant`, …).
  'extension.relationships.rejectedMessages': {
    de: {
      one: 'Die Clearingstelle führt hier eine Nachricht, die Ihr Schlüssel nicht unterschrieben hat. Der Assistent beachtet sie nicht.',
      other:
        'Die Clearingstelle führt hier {count} Nachrichten, die Ihr Schlüssel nicht unterschrieben hat. Der Assistent beachtet sie nicht.',
    },
    en: {
      one: 'The clearinghouse lists a message here that your key did not sign. The Assistant ignores it.',
      other:
        'The clearinghouse lists {count} messages here that your key did not sign. The Assistant ignores them.',
    },
  },
  'extension.relationships.rejectedMessages.grant': {
    de: { one: 'Eine Einwilligung: {error}', other: '{count} Einwilligungen: {error}' },
    en: { one: 'One grant: {error}', other: '{count} grants: {error}' },
  },
  'extension.relationships.rejectedMessages.refusal': {
    de: { one: 'Eine Ablehnung: {error}', other: '{count} Ablehnungen: {error}' },
    en: { one: 'One refusal: {error}', other: '{count} refusals: {error}' },
  },
  'extension.relationships.rejectedMessages.revocation': {
    de: { one: 'Ein Widerruf: {error}', other: '{count} Widerrufe: {error}' },
    en: { one: 'One revocation: {error}', other: '{count} revocations: {error}' },
  },
  // {reason}: the error's own sentence, last, as it ends with its full stop.
  'extension.relationships.refreshFailed': {
    de: 'Die Beziehungen konnten nicht aktualisiert werden; angezeigt wird, was der Assistent zuvor gespeichert hat. {reason}',
    en: 'The relationships could not be refreshed, so this is what the Assistant stored before. {reason}',
  },
  // After `refreshFailed` when the stored clearinghouse address was replaced (see
  // `extension.settings.urlReplaced`).
  'extension.relationships.urlReplaced': {
    de: 'Das kann daran liegen, dass die gespeicherte Adresse der Clearingstelle {replaced} (unverschlüsseltes http://) durch {current} ersetzt wurde. Prüfen Sie die Adresse in den Einstellungen.',
    en: 'This may be because the stored clearinghouse address {replaced} (unencrypted http://) was replaced by {current}. Check the address in the settings.',
  },
  // An action button's accessible name: its visible text, then the company it is for (as the
  // portal's /me says it, `portal.me.action.for`), so each reads apart from the next company's.
  'extension.relationships.action.for': { de: '{action}: {company}', en: '{action}: {company}' },
  'extension.relationships.revokeAll': { de: 'Alles widerrufen', en: 'Revoke everything' },
  'extension.relationships.revokePurpose': {
    de: '„{purpose}“ widerrufen',
    en: 'Revoke “{purpose}”',
  },
  'extension.relationships.confirm': {
    de: 'Wirklich widerrufen? Das gilt sofort.',
    en: 'Really revoke? It takes effect at once.',
  },
  'extension.relationships.confirmYes': { de: 'Ja, widerrufen', en: 'Yes, revoke' },
  'extension.relationships.confirmNo': { de: 'Abbrechen', en: 'Cancel' },
  'extension.relationships.confirmErasure': {
    de: 'Löschung wirklich verlangen? Die Anfrage wird im öffentlichen Protokoll vermerkt und lässt sich nicht zurücknehmen.',
    en: 'Really request erasure? The request is recorded in the public log and cannot be taken back.',
  },
  'extension.relationships.confirmErasureYes': {
    de: 'Ja, Löschung verlangen',
    en: 'Yes, request erasure',
  },
  'extension.relationships.sending': { de: 'Wird gesendet …', en: 'Sending …' },
  'extension.relationships.revoked': {
    de: 'Ihr Widerruf ist an {company} gesendet. Die Bestätigung des Unternehmens steht noch aus.',
    en: 'Your revocation has been sent to {company}. The company has not confirmed it yet.',
  },
  'extension.relationships.ackReceived': {
    de: 'Widerruf vom Unternehmen bestätigt.',
    en: 'The company confirmed the revocation.',
  },
  // {date} as in `.revocation.confirmedOn`; without one, `.ackReceived`.
  'extension.relationships.ackReceivedOn': {
    de: 'Widerruf vom Unternehmen am {date} bestätigt.',
    en: 'The company confirmed the revocation on {date}.',
  },
  'extension.relationships.ackWaiting': {
    de: 'Bestätigung des Widerrufs steht noch aus.',
    en: 'The company has not yet confirmed the revocation.',
  },
  'extension.relationships.ackOverdue': {
    de: 'Überfällig: Das Unternehmen hat den Widerruf nicht rechtzeitig bestätigt.',
    en: 'Overdue: the company did not confirm the revocation in time.',
  },
  'extension.relationships.openLink': {
    de: 'Anfrage-Link oder QR-Code-Kennung',
    en: 'Request link or QR code id',
  },
  'extension.relationships.openLinkButton': { de: 'Anfrage öffnen', en: 'Open request' },
  'extension.relationships.openLink.empty': {
    de: 'Das Feld ist leer. Fügen Sie einen Anfrage-Link oder die Kennung aus dem QR-Code eines Unternehmens ein.',
    en: "The field is empty. Paste a request link or the id from a company's QR code.",
  },
  'extension.relationships.targeted': {
    de: 'Anfrage vom {date}, an Sie gerichtet: wartet auf Ihre Antwort.',
    en: 'Request of {date}, addressed to you: waiting for your answer.',
  },
  'extension.relationships.targeted.answer': {
    de: 'Ansehen und beantworten',
    en: 'View and answer',
  },
  'extension.notice.grant-expiring': {
    de: 'Ihre Einwilligung für {company} endet am {date}.',
    en: 'Your consent for {company} ends on {date}.',
  },
  'extension.notice.company-suspended': {
    de: '{company} wurde von der Aufsicht ausgesetzt. Ihre Einwilligung ruht.',
    en: '{company} has been suspended by the regulator. Your consent is on hold.',
  },
  'extension.notice.ack-overdue': {
    de: '{company} hat Ihren Widerruf nicht rechtzeitig bestätigt.',
    en: '{company} did not confirm your revocation in time.',
  },
  'extension.notice.answer-overdue': {
    de: '{company} hat Ihre Auskunfts- oder Löschanfrage nicht rechtzeitig beantwortet.',
    en: '{company} did not answer your access or erasure request in time.',
  },
  'extension.relationships.requestAccess': { de: 'Auskunft verlangen', en: 'Request access' },
  'extension.relationships.requestErasure': { de: 'Löschung verlangen', en: 'Request erasure' },
  'extension.relationships.dataRequest.sent.access': {
    de: 'Ihre Auskunftsanfrage ist an {company} gesendet.',
    en: 'Your access request has been sent to {company}.',
  },
  'extension.relationships.dataRequest.sent.erasure': {
    de: 'Ihre Löschanfrage ist an {company} gesendet.',
    en: 'Your erasure request has been sent to {company}.',
  },
  'extension.relationships.dataRequest.access': { de: 'Auskunft', en: 'Access' },
  'extension.relationships.dataRequest.erasure': { de: 'Löschung', en: 'Erasure' },
  'extension.relationships.dataRequest.answered': {
    de: '{kind}: beantwortet.',
    en: '{kind}: answered.',
  },
  'extension.relationships.dataRequest.waiting': {
    de: '{kind}: Antwort fällig bis {deadline}.',
    en: '{kind}: answer due by {deadline}.',
  },
  'extension.relationships.dataRequest.overdue': {
    de: '{kind}: Überfällig – die Antwort hätte bis {deadline} kommen müssen.',
    en: '{kind}: overdue – the answer was due by {deadline}.',
  },
  'extension.relationships.correct.title': {
    de: 'Eine Angabe einmal berichtigen',
    en: 'Correct a detail once',
  },
  'extension.relationships.correct.category': { de: 'Datenkategorie', en: 'Data category' },
  'extension.relationships.correct.value': { de: 'Richtiger Wert', en: 'Correct value' },
  'extension.relationships.correct.send': {
    de: 'An alle Unternehmen senden, die sie haben',
    en: 'Send to every company holding it',
  },
  // `{count}` companies were sent the correction, and every holder was reached.
  'extension.relationships.correct.sent': {
    de: {
      one: 'Berichtigung an {count} Unternehmen gesendet.',
      other: 'Berichtigung an {count} Unternehmen gesendet.',
    },
    en: {
      one: 'Correction sent to {count} company.',
      other: 'Correction sent to {count} companies.',
    },
  },
  // `{count}` companies were sent the correction; `{failed}` (at least one), formatted by the
  // caller, reads the same for one or many.
  'extension.relationships.correct.sentSome': {
    de: {
      one: 'Berichtigung an {count} Unternehmen gesendet ({failed} nicht erreichbar).',
      other: 'Berichtigung an {count} Unternehmen gesendet ({failed} nicht erreichbar).',
    },
    en: {
      one: 'Correction sent to {count} company ({failed} could not be reached).',
      other: 'Correction sent to {count} companies ({failed} could not be reached).',
    },
  },
  // No active grant covers the detail's data category: nobody to tell.
  'extension.relationships.correct.none': {
    de: 'Kein Unternehmen hat diese Angabe laut Ihren Einwilligungen; es wurde nichts gesendet.',
    en: 'No company holds this detail under your consents; nothing was sent.',
  },
  'extension.relationships.correct.pending': {
    de: 'Noch nicht zugestellt an: {companies}. Der Assistent versucht es weiter; erneut senden geht nur an diese.',
    en: 'Not yet delivered to: {companies}. The Assistant keeps trying; sending again goes only to them.',
  },
  'extension.relationships.correction.pending': {
    de: 'Berichtigung „{category}“: noch nicht zugestellt, der Assistent versucht es weiter.',
    en: 'Correction of "{category}": not yet delivered; the Assistant keeps trying.',
  },
  'extension.relationships.correction.refused': {
    de: 'Berichtigung „{category}“ abgelehnt: {error} Erneut senden versucht es noch einmal.',
    en: 'Correction of "{category}" refused: {error} Sending it again tries once more.',
  },
  'extension.relationships.rewards.unavailable': {
    de: 'Die Prämien ließen sich nicht laden: {error}',
    en: 'The rewards could not be loaded: {error}',
  },
  // Issue 7, second part: the unlock prompt of the consent window, disclosures and answers.
  'extension.consent.locked': {
    de: 'Ihr Assistent ist gesperrt. Entsperren Sie ihn, um die Anfrage zu sehen und zu beantworten.',
    en: 'Your Assistant is locked. Unlock it to see and answer the request.',
  },
  'extension.notice.disclosure-changed': {
    de: '{company} hat geändert, was es über Sie gespeichert hat. Sehen Sie sich die neue Auskunft an.',
    en: '{company} changed what it says it holds about you. Have a look at the new disclosure.',
  },
  'extension.relationships.disclosures.title': {
    de: 'Was das Unternehmen über Sie gespeichert hat',
    en: 'What the company says it holds about you',
  },
  'extension.relationships.disclosures.current': {
    de: 'Auskunft vom {date} (signiert und geprüft)',
    en: 'Disclosure of {date} (signed and verified)',
  },
  'extension.relationships.disclosures.older': {
    de: { one: 'Ersetzt {count} ältere Auskunft.', other: 'Ersetzt {count} ältere Auskünfte.' },
    en: {
      one: 'Supersedes {count} older disclosure.',
      other: 'Supersedes {count} older disclosures.',
    },
  },
  'extension.relationships.disclosures.currentUnverified': {
    de: 'Die neueste Auskunft des Unternehmens ist noch nicht geprüft und wird deshalb noch nicht angezeigt.',
    en: 'The company’s newest disclosure is not verified yet, so it is not shown yet.',
  },
  'extension.relationships.disclosures.currentInvalid': {
    de: 'Die neueste Auskunft des Unternehmens ließ sich nicht prüfen und wird nicht angezeigt.',
    en: 'The company’s newest disclosure did not verify and is not shown.',
  },
  'extension.relationships.disclosures.earlier': {
    de: 'Frühere Auskunft vom {date} (signiert und geprüft, inzwischen ersetzt)',
    en: 'Earlier disclosure of {date} (signed and verified, since superseded)',
  },
  'extension.relationships.disclosures.invalid': {
    de: 'Eine Auskunft ließ sich nicht prüfen und wird nicht angezeigt: {error}',
    en: 'A disclosure did not verify and is not shown: {error}',
  },
  // `invalid` is the sentence for one; `invalidMany` for two or more with the same reason.
  'extension.relationships.disclosures.invalidMany': {
    de: {
      one: '{count} Auskunft dieses Unternehmens ließ sich nicht prüfen und wird nicht angezeigt: {error}',
      other:
        '{count} Auskünfte dieses Unternehmens ließen sich nicht prüfen und werden nicht angezeigt: {error}',
    },
    en: {
      one: '{count} disclosure from this company did not verify and is not shown: {error}',
      other: '{count} disclosures from this company did not verify and are not shown: {error}',
    },
  },
  'extension.relationships.disclosures.invalidDate': {
    de: 'Datum laut der Auskunft (ungeprüft): {date}',
    en: 'Date the disclosure gives (not verified): {date}',
  },
  'extension.relationships.disclosures.invalidDates': {
    de: 'Datumsangaben der Auskünfte (ungeprüft): {range}',
    en: 'Dates the disclosures give (not verified): {range}',
  },
  'extension.relationships.disclosures.invalidUndated': {
    de: {
      one: '{count} Auskunft ohne lesbares Datum',
      other: '{count} Auskünfte ohne lesbares Datum',
    },
    en: {
      one: '{count} disclosure without a readable date',
      other: '{count} disclosures without a readable date',
    },
  },
  'extension.relationships.disclosures.changed': {
    de: 'Geändert gegenüber der vorigen Auskunft – neu: {added}; entfallen: {removed}; anders: {changed}',
    en: 'Changed since the previous disclosure – new: {added}; gone: {removed}; different: {changed}',
  },
  'extension.relationships.disclosures.nothing': { de: 'nichts', en: 'nothing' },
  'extension.relationships.holding.category': { de: 'Daten', en: 'Data' },
  'extension.relationships.holding.sources': { de: 'Herkunft', en: 'Source' },
  'extension.relationships.holding.purposes': { de: 'Zwecke', en: 'Purposes' },
  'extension.relationships.holding.retention': { de: 'Aufbewahrung', en: 'Kept for' },
  'extension.relationships.holding.recipients': { de: 'Empfänger', en: 'Recipients' },
  // The holdings table's scroll region (it scrolls sideways on a narrow screen).
  'extension.relationships.holding.region': {
    de: 'Was das Unternehmen über Sie hält',
    en: 'What the company holds about you',
  },
  'extension.relationships.holding.erased': {
    de: 'am {date} gelöscht (vom Unternehmen bestätigt)',
    en: 'erased on {date} (confirmed by the company)',
  },
  'extension.relationships.holding.days': {
    de: { one: '{count} Tag', other: '{count} Tage' },
    en: { one: '{count} day', other: '{count} days' },
  },
  'extension.relationships.holding.noRecipients': { de: 'niemand', en: 'nobody' },
  'extension.relationships.disclosures.export': {
    de: 'Die Daten selbst (mit Ihrem Schlüssel geöffnet)',
    en: 'The data itself (opened with your key)',
  },
  'extension.relationships.disclosures.exportUnreadable': {
    de: 'Die beigelegten Daten ließen sich nicht öffnen.',
    en: 'The enclosed data could not be opened.',
  },
  'extension.relationships.answer.disclosure': {
    de: '{kind}: beantwortet mit der Auskunft vom {date}.',
    en: '{kind}: answered with the disclosure of {date}.',
  },
  'extension.relationships.answer.erased': {
    de: '{kind}: Das Unternehmen bestätigt, am {date} gelöscht zu haben: {categories}.',
    en: '{kind}: the company confirms it erased on {date}: {categories}.',
  },
  'extension.relationships.answer.retained': {
    de: 'Aufbewahrt: {categories}. Begründung des Unternehmens: {reason}',
    en: 'Kept: {categories}. The company’s reason: {reason}',
  },
  'extension.relationships.answer.silent': {
    de: 'Zu diesen Datenkategorien, deren Löschung Sie verlangt haben, sagt die Antwort nichts: {categories}. Sie können sich darüber bei der Aufsicht beschweren.',
    en: 'The answer says nothing about these data categories you asked to have erased: {categories}. You may complain about it to the regulator.',
  },
  'extension.relationships.answer.refused': {
    de: '{kind}: abgelehnt. Begründung des Unternehmens: {reason}',
    en: '{kind}: refused. The company’s reason: {reason}',
  },
  // An access request the company answered with `outcome: "refused"` while no disclosure the
  // Assistant verified shows it holding anything: the protocol has no "nothing held" answer (a
  // disclosure lists at least one holding), so this is how a company says it holds nothing.
  // Said as answered, not refused, and only what the Assistant knows: no data disclosed. The
  // company's own words follow, as they may say more (or be a refusal after all).
  'extension.relationships.answer.noData': {
    de: '{kind}: beantwortet – keine Daten über Sie angegeben. Die Worte des Unternehmens: {reason}',
    en: '{kind}: answered — no data about you disclosed. The company’s words: {reason}',
  },
  'extension.relationships.answer.invalid': {
    de: '{kind}: Eine Antwort kam an, ließ sich aber nicht prüfen. Die Anfrage bleibt offen; eine gültige Antwort ist fällig bis {deadline}.',
    en: '{kind}: an answer came but did not verify. The request stays open; a valid answer is due by {deadline}.',
  },
  'extension.relationships.answer.invalid.overdue': {
    de: '{kind}: Überfällig – eine Antwort kam an, ließ sich aber nicht prüfen; eine gültige Antwort hätte bis {deadline} kommen müssen.',
    en: '{kind}: overdue – an answer came but did not verify; a valid answer was due by {deadline}.',
  },
  'extension.relationships.answer.unverified': {
    de: '{kind}: Eine Antwort kam an, ist aber noch nicht geprüft. Fällig bis {deadline}.',
    en: '{kind}: an answer came but is not verified yet. Due by {deadline}.',
  },
  'extension.relationships.answer.unverified.overdue': {
    de: '{kind}: Überfällig – eine Antwort kam an, ist aber noch nicht geprüft; sie hätte bis {deadline} kommen müssen.',
    en: '{kind}: overdue – an answer came but is not verified yet; it was due by {deadline}.',
  },
  // The customer's own complaint about an offer (OffersView): the reasons no filter can detect,
  // named by `extension.offers.complaint.reason.*`; submitted at once with the offer as evidence.
  'extension.offers.complain': { de: 'Beschweren', en: 'Complain' },
  'extension.offers.complain.label': {
    de: 'Über das Angebot von {company} beschweren',
    en: 'Complain about the offer from {company}',
  },
  'extension.offers.complain.intro': {
    de: 'Sagen Sie, was an diesem Angebot falsch war. Der Assistent reicht Ihre Beschwerde gleich bei der Aufsicht ein, mit dem signierten Angebot als Beleg.',
    en: 'Say what was wrong with this offer. The Assistant submits your complaint to the regulator at once, with the signed offer as evidence.',
  },
  'extension.offers.complain.reason': { de: 'Was war falsch?', en: 'What was wrong?' },
  'extension.offers.complain.commentRequired': {
    de: 'Ihre Anmerkung (nötig): Was genau war falsch?',
    en: 'Your comment (required): what exactly was wrong?',
  },
  'extension.offers.complain.limit': {
    de: 'Höchstens {max} Zeichen.',
    en: 'At most {max} characters.',
  },
  'extension.offers.complain.sending': { de: 'Wird eingereicht …', en: 'Submitting …' },
  'extension.offers.complain.cancel': { de: 'Abbrechen', en: 'Cancel' },
  'extension.offers.complain.done': {
    de: 'Ihre Beschwerde gegen {company} ist eingereicht. Sie finden sie unter „Beschwerden“.',
    en: 'Your complaint against {company} is submitted. You find it under “Complaints”.',
  },
  'extension.offers.complain.sent': {
    de: 'Sie haben sich über dieses Angebot beschwert (siehe „Beschwerden“).',
    en: 'You complained about this offer (see “Complaints”).',
  },
  'extension.offers.complain.duplicate': {
    de: 'Über dieses Angebot haben Sie sich schon beschwert. Eine zweite Beschwerde mit demselben Beleg reicht der Assistent nicht ein; die erste finden Sie unter „Beschwerden“.',
    en: 'You have already complained about this offer. The Assistant does not submit a second complaint with the same evidence; you find the first under “Complaints”.',
  },
  // Under way: the clearinghouse (or a gateway before it) answered 429 or 5xx
  // (extension/ui/dashboard/complaint-outcome).
  'extension.offers.complain.busy': {
    de: 'Die Clearingstelle hat geantwortet: Sie ist ausgelastet oder gestört und hat Ihre Beschwerde vorerst nicht angenommen. Ihre Beschwerde ist signiert und gespeichert (siehe „Beschwerden“); der Assistent sendet sie beim nächsten Abruf erneut.',
    en: 'The clearinghouse answered but did not take your complaint for now: it is busy or has a fault. Your complaint is signed and kept (see “Complaints”); the Assistant sends it again with the next check.',
  },
  // Busy, and the answer said how long to wait (429/503 `Retry-After`, kept as the complaint's
  // `retryAt`): {count} minutes left, rounded up. The Assistant's checks do not send it before.
  'extension.offers.complain.busyWait': {
    de: {
      one: 'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde vorerst nicht angenommen und bittet, etwa {count} Minute zu warten. Ihre Beschwerde ist signiert und gespeichert (siehe „Beschwerden“); der Assistent sendet sie beim ersten Abruf danach erneut.',
      other:
        'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde vorerst nicht angenommen und bittet, etwa {count} Minuten zu warten. Ihre Beschwerde ist signiert und gespeichert (siehe „Beschwerden“); der Assistent sendet sie beim ersten Abruf danach erneut.',
    },
    en: {
      one: 'The clearinghouse answered but did not take your complaint for now: it is busy and asks to wait about {count} minute. Your complaint is signed and kept (see “Complaints”); the Assistant sends it again with the first check after that.',
      other:
        'The clearinghouse answered but did not take your complaint for now: it is busy and asks to wait about {count} minutes. Your complaint is signed and kept (see “Complaints”); the Assistant sends it again with the first check after that.',
    },
  },
  // The complaint failed or only the listing after it did, and the offers could not be read again.
  'extension.offers.complain.unconfirmed': {
    de: 'Der Assistent konnte danach nicht lesen, ob Ihre Beschwerde eingereicht wurde. Sobald die Angebote wieder gelesen werden können, zeigt „Beschwerden“ sie, falls sie eingereicht wurde. Erneut einreichen schadet nicht: Eine zweite Beschwerde über dasselbe Angebot weist der Assistent ab.',
    en: 'The Assistant could not read afterwards whether your complaint was submitted. Once the offers can be read again, “Complaints” shows it if it was. Submitting it again does no harm: the Assistant refuses a second complaint about the same offer.',
  },
} as const satisfies Record<string, Entry>;
