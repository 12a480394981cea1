import type { Entry } from '../index';

/** Text of the auditor's log explorer (`/audit`) and the regulator's console (`/regulator`), issue 10. */
export const consoles = {
  // ----- auditor
  'portal.nav.audit': { de: 'Protokoll prüfen', en: 'Audit the log' },
  'portal.nav.regulator': { de: 'Aufsicht', en: 'Regulator' },
  'portal.audit.title': { de: 'Das öffentliche Protokoll prüfen', en: 'Audit the public log' },
  // Names every kind the log holds (SPECS "What the log holds", protocol/tlog `loggedKinds`), in
  // the words of the entry table's `portal.audit.kind.*`; audit-page.test.ts checks each is named.
  'portal.audit.lead': {
    de: 'Jede Registrierung eines Unternehmens und jede Schlüsseländerung, jede Bitte um Einwilligung, jede Einwilligung, Ablehnung und jeder Widerruf (samt seiner Bestätigung), jede Auskunft über gespeicherte Daten, jeder Auskunfts- oder Löschantrag und die Antwort darauf, jede Beschwerde und die Entscheidung über sie sowie jede Aussetzung oder Wiederzulassung steht als Eintrag in einem nur erweiterbaren Merkle-Protokoll. Hier prüfen Sie in Ihrem Browser, dass das Protokoll nur wächst und dass eine Quittung darin enthalten ist.',
    en: 'Every company registration and key change, every request for consent, grant, refusal and revocation (with its acknowledgement), every disclosure, every data request and its answer, every complaint and the decision on it, and every suspension or reinstatement is an entry of an append-only Merkle log. Here you check in your own browser that the log only grows and that a receipt is in it.',
  },
  'portal.audit.checkpoint': { de: 'Aktueller Prüfpunkt', en: 'Current checkpoint' },
  'portal.audit.size': { de: 'Einträge', en: 'Entries' },
  'portal.audit.root': { de: 'Wurzel-Hash', en: 'Root hash' },
  'portal.audit.key': { de: 'Schlüssel des Protokolls', en: 'Log key' },
  'portal.audit.keyHint': {
    de: 'Vergleichen Sie diesen Schlüssel auf einem anderen Weg (z. B. mit dem Befehlszeilen-Prüfer oder Ihrem Assistenten): Alles Weitere wird gegen ihn geprüft.',
    en: 'Compare this key through another channel (for instance the command-line verifier or your Assistant): everything else is checked against it.',
  },
  'portal.audit.keyChanged': {
    de: 'Achtung: Die Clearingstelle nennt jetzt einen anderen Schlüssel (oder Namen) des Protokolls als den, den sich dieser Browser beim ersten Besuch gemerkt hat. Diese Seite prüft weiter gegen den gemerkten Schlüssel und bewahrt die bisher gesehenen Prüfpunkte als Beweis auf. Hat der Betreiber den Wechsel nicht angekündigt und begründet, wurde das Protokoll womöglich ersetzt oder gespalten: Melden Sie es der Aufsicht.',
    en: 'Warning: the clearinghouse now names another log key (or log name) than the one this browser pinned on its first visit. This page keeps checking against the pinned key and keeps the checkpoints seen before as evidence. Unless the operator announced and explained the change, the log may have been replaced or forked: report it to the supervisory authority.',
  },
  'portal.audit.pinnedKey': {
    de: 'In diesem Browser gemerkter Schlüssel',
    en: 'Key pinned in this browser',
  },
  'portal.audit.repin': {
    de: 'Den neuen Schlüssel merken (nur nach einer Ankündigung des Betreibers)',
    en: 'Pin the new key (only after the operator announced it)',
  },
  'portal.audit.repin.confirm': {
    de: 'Merken Sie den neuen Schlüssel nur, wenn der Betreiber den Wechsel auf einem anderen Weg angekündigt und begründet hat. Der bisherige Schlüssel, die mit ihm gesehenen Prüfpunkte und alle Beweise bleiben in diesem Browser gespeichert; Prüfpunkte des alten und des neuen Schlüssels lassen sich nicht miteinander vergleichen.',
    en: 'Pin the new key only if the operator announced and explained the change through another channel. The key pinned so far, the checkpoints seen under it and all evidence stay stored in this browser; checkpoints of the old and the new key cannot be compared with each other.',
  },
  'portal.audit.repin.yes': { de: 'Neuen Schlüssel merken', en: 'Pin the new key' },
  'portal.audit.repin.no': { de: 'Abbrechen', en: 'Cancel' },
  'portal.audit.repin.failed': {
    de: 'Ihr Browser hat den neuen Schlüssel nicht gespeichert (Speicher voll oder abgeschaltet). Es bleibt der bisher gemerkte Schlüssel; nichts wurde geändert.',
    en: 'Your browser did not store the new key (storage full or turned off). The key pinned so far stays; nothing was changed.',
  },
  'portal.audit.previous': { de: 'Früher gemerkte Schlüssel', en: 'Keys pinned before' },
  'portal.audit.previous.lead': {
    de: 'Diese Schlüssel hat sich Ihr Browser früher gemerkt; Sie haben sie durch einen neuen ersetzt. Die mit ihnen gesehenen Prüfpunkte bleiben gespeichert.',
    en: 'Your browser pinned these keys before you replaced them with a new one. The checkpoints seen under them stay stored.',
  },
  'portal.audit.previous.item': {
    de: {
      one: '({count} Prüfpunkt gesehen, ersetzt am {at})',
      other: '({count} Prüfpunkte gesehen, ersetzt am {at})',
    },
    en: {
      one: '({count} checkpoint seen, replaced on {at})',
      other: '({count} checkpoints seen, replaced on {at})',
    },
  },
  'portal.audit.evidence': { de: 'Als Beweis aufbewahrt', en: 'Kept as evidence' },
  'portal.audit.evidence.lead': {
    de: 'Diese Prüfpunkte hat Ihr Browser gespeichert, aber sie lassen sich mit dem gemerkten Schlüssel nicht bestätigen. Sie werden weder gelöscht noch ersetzt: Sie können belegen, dass das Protokoll ersetzt oder gespalten wurde.',
    en: 'Your browser stored these checkpoints, but they do not verify under the pinned key. They are never deleted or replaced: they may prove that the log was replaced or forked.',
  },
  'portal.audit.evidence.item': {
    de: 'Nicht bestätigt: {reason}',
    en: 'Does not verify: {reason}',
  },
  'portal.audit.evidence.unreadable': {
    de: 'Der gespeicherte Verlauf war nicht lesbar.',
    en: 'The stored history could not be read.',
  },
  'portal.audit.checkpoint.verified': {
    de: 'Die Signatur des Prüfpunkts wurde in Ihrem Browser geprüft.',
    en: 'The checkpoint’s signature was verified in your browser.',
  },
  'portal.audit.checkpoint.note': {
    de: 'Signierter Prüfpunkt (Text)',
    en: 'Signed checkpoint (text)',
  },
  'portal.audit.history': { de: 'Gesehene Prüfpunkte', en: 'Checkpoints seen' },
  'portal.audit.history.lead': {
    de: 'Ihr Browser merkt sich jeden Prüfpunkt, den er hier geprüft hat (auch die aus Quittungen). Die Clearingstelle selbst bewahrt nur den neuesten auf: Ihre Liste ist Ihr Beweis, falls das Protokoll je umgeschrieben würde.',
    en: 'Your browser keeps every checkpoint it verified here (including those from receipts). The clearinghouse itself keeps only the latest: your list is your evidence should the log ever be rewritten.',
  },
  'portal.audit.history.item': { de: 'Größe {size}', en: 'Size {size}' },
  'portal.audit.history.paste': {
    de: 'Einen Prüfpunkt hinzufügen, den Sie anderswo gesehen haben (signierter Text)',
    en: 'Add a checkpoint you saw elsewhere (signed text)',
  },
  'portal.audit.history.add': { de: 'Prüfen und hinzufügen', en: 'Verify and add' },
  'portal.audit.paste.empty': {
    de: 'Das Feld ist leer. Fügen Sie den signierten Text eines Prüfpunkts ein: Ursprung, Größe, Wurzel-Hash, eine leere Zeile und die Signaturzeile.',
    en: 'The field is empty. Paste the signed text of a checkpoint: origin, size, root hash, an empty line and the signature line.',
  },
  'portal.audit.noscript': {
    de: 'Die Prüfungen laufen in Ihrem Browser und brauchen JavaScript. Ohne JavaScript nutzen Sie den Befehlszeilen-Prüfer unten.',
    en: 'The checks run in your browser and need JavaScript. Without JavaScript, use the command-line verifier below.',
  },
  'portal.audit.consistency': { de: 'Konsistenz prüfen', en: 'Check consistency' },
  'portal.audit.consistency.lead': {
    de: 'Wählen Sie zwei gesehene Prüfpunkte. Ihr Browser baut den Konsistenzbeweis aus den Kacheln des Protokolls, prüft jede Kachel gegen die neuere signierte Wurzel und prüft, dass der ältere Baum ein Anfang des neueren ist.',
    en: 'Choose two checkpoints seen. Your browser builds the consistency proof from the log’s tiles, checks every tile against the newer signed root, and checks that the older tree is a prefix of the newer one.',
  },
  'portal.audit.consistency.first': { de: 'Erster Prüfpunkt', en: 'First checkpoint' },
  'portal.audit.consistency.second': { de: 'Zweiter Prüfpunkt', en: 'Second checkpoint' },
  'portal.audit.consistency.check': { de: 'Konsistenz prüfen', en: 'Check consistency' },
  // Three counts in one sentence: named by label ("size", "hashes in the proof"), so no noun
  // has to agree with a number.
  'portal.audit.consistency.ok': {
    de: 'Konsistent: Der Baum der Größe {older} ist ein Anfang des Baums der Größe {newer} (Hashes im Beweis: {hashes}).',
    en: 'Consistent: the tree of size {older} is a prefix of the tree of size {newer} (hashes in the proof: {hashes}).',
  },
  'portal.audit.consistency.unavailable': {
    de: 'Für eine Konsistenzprüfung braucht es zwei gesehene Prüfpunkte. Fügen Sie oben einen älteren ein oder prüfen Sie unten eine Quittung; kommen Sie später wieder, ist der dann aktuelle Prüfpunkt der zweite.',
    en: 'A consistency check needs two checkpoints seen. Paste an older one above or verify a receipt below; when you come back later, the then current checkpoint is the second.',
  },
  'portal.audit.consistency.failed': { de: 'Nicht konsistent:', en: 'Not consistent:' },
  'portal.audit.receipt': { de: 'Eine Quittung prüfen', en: 'Verify a receipt' },
  'portal.audit.receipt.lead': {
    de: 'Laden Sie eine Quittung hoch (JSON, wie sie der Assistent oder GET /api/v1/log/receipts/… liefert) oder fügen Sie sie ein. Ihr Browser prüft die Signatur des Prüfpunkts und rechnet den Inklusionsbeweis Schritt für Schritt nach.',
    en: 'Upload a receipt (JSON, as the Assistant or GET /api/v1/log/receipts/… gives it) or paste it. Your browser checks the checkpoint’s signature and recomputes the inclusion proof step by step.',
  },
  'portal.audit.receipt.file': { de: 'Quittung als Datei', en: 'Receipt file' },
  'portal.audit.receipt.paste': { de: 'oder Quittung einfügen', en: 'or paste the receipt' },
  'portal.audit.receipt.check': { de: 'Quittung prüfen', en: 'Verify receipt' },
  'portal.audit.receipt.notJson': {
    de: 'Das ist kein JSON. Eine Quittung ist ein JSON-Objekt mit v, index, entry, proof und checkpoint.',
    en: 'This is not JSON. A receipt is a JSON object with v, index, entry, proof and checkpoint.',
  },
  'portal.audit.receipt.tooLarge': {
    de: 'Die Datei ist zu groß für eine Quittung ({size} KiB; eine Quittung ist höchstens {limit} KiB groß, meist wenige KiB). Wählen Sie die Quittungsdatei, die der Assistent oder die Clearingstelle geliefert hat.',
    en: 'This file is too large for a receipt ({size} KiB; a receipt is at most {limit} KiB, usually a few KiB). Choose the receipt file the Assistant or the clearinghouse gave.',
  },
  'portal.audit.receipt.ok': {
    de: 'Gültig: Eintrag {index} ist im signierten Protokoll enthalten.',
    en: 'Valid: entry {index} is in the signed log.',
  },
  'portal.audit.receipt.failed': { de: 'Ungültig:', en: 'Invalid:' },
  'portal.audit.step.checkpoint': {
    de: {
      one: 'Prüfpunkt von {origin} mit {count} Eintrag: Signatur mit dem Schlüssel des Protokolls geprüft.',
      other:
        'Prüfpunkt von {origin} mit {count} Einträgen: Signatur mit dem Schlüssel des Protokolls geprüft.',
    },
    en: {
      one: 'Checkpoint of {origin} with {count} entry: signature verified with the log key.',
      other: 'Checkpoint of {origin} with {count} entries: signature verified with the log key.',
    },
  },
  'portal.audit.step.entry': {
    de: 'Eintrag {index}: {kind}, {time}, Nachricht',
    en: 'Entry {index}: {kind}, {time}, message',
  },
  'portal.audit.step.leaf': {
    de: 'Blatt-Hash H(0x00 ‖ Eintrag):',
    en: 'Leaf hash H(0x00 ‖ entry):',
  },
  'portal.audit.step.left': {
    de: 'Schritt {step}: Beweis-Hash links, H(0x01 ‖ Beweis ‖ bisher):',
    en: 'Step {step}: proof hash on the left, H(0x01 ‖ proof ‖ so far):',
  },
  'portal.audit.step.right': {
    de: 'Schritt {step}: Beweis-Hash rechts, H(0x01 ‖ bisher ‖ Beweis):',
    en: 'Step {step}: proof hash on the right, H(0x01 ‖ so far ‖ proof):',
  },
  'portal.audit.step.rootOk': {
    de: 'Ergebnis gleich der signierten Wurzel:',
    en: 'Result equals the signed root:',
  },
  'portal.audit.step.rootBad': {
    de: 'Ergebnis weicht von der signierten Wurzel ab:',
    en: 'Result differs from the signed root:',
  },
  'portal.audit.entries': { de: 'Einträge', en: 'Entries' },
  'portal.audit.entries.from': { de: 'Ab Eintrag', en: 'From entry' },
  'portal.audit.entries.show': { de: 'Anzeigen', en: 'Show' },
  'portal.audit.entries.none': {
    de: 'Das Protokoll ist noch leer.',
    en: 'The log is empty so far.',
  },
  'portal.audit.entries.invalid': {
    de: 'Diesen Eintrag gibt es nicht; gezeigt werden die neuesten.',
    en: 'There is no such entry; the newest are shown.',
  },
  'portal.audit.entries.pages': { de: 'Weitere Einträge', en: 'More entries' },
  'portal.audit.entries.older': { de: 'Ältere Einträge', en: 'Older entries' },
  'portal.audit.entries.newer': { de: 'Neuere Einträge', en: 'Newer entries' },
  'portal.audit.col.index': { de: 'Nr.', en: 'Index' },
  'portal.audit.col.meaning': { de: 'Bedeutung', en: 'Meaning' },
  'portal.audit.col.time': { de: 'Zeit', en: 'Time' },
  'portal.audit.col.message': { de: 'SHA-256 der Nachricht', en: 'SHA-256 of the message' },
  'portal.audit.meaning': { de: '{kind} – {company}', en: '{kind} – {company}' },
  'portal.audit.pseudonym': { de: 'Pseudonym', en: 'Pseudonym' },
  'portal.audit.kind.company': {
    de: 'Registrierung eines Unternehmens',
    en: 'Company registration',
  },
  'portal.audit.kind.company-key': { de: 'Schlüsseländerung', en: 'Key change' },
  'portal.audit.kind.grant-request': { de: 'Bitte um Einwilligung', en: 'Request for consent' },
  'portal.audit.kind.grant': { de: 'Einwilligung', en: 'Grant' },
  'portal.audit.kind.refusal': { de: 'Ablehnung', en: 'Refusal' },
  'portal.audit.kind.revocation': { de: 'Widerruf', en: 'Revocation' },
  'portal.audit.kind.revocation-ack': {
    de: 'Bestätigung eines Widerrufs',
    en: 'Revocation acknowledged',
  },
  'portal.audit.kind.disclosure': { de: 'Auskunft über gespeicherte Daten', en: 'Disclosure' },
  'portal.audit.kind.data-request': { de: 'Auskunfts- oder Löschantrag', en: 'Data request' },
  'portal.audit.kind.data-request-answer': {
    de: 'Antwort auf einen Auskunfts- oder Löschantrag',
    en: 'Answer to a data request',
  },
  'portal.audit.kind.complaint': { de: 'Beschwerde', en: 'Complaint' },
  'portal.audit.kind.complaint-decision': {
    de: 'Entscheidung über eine Beschwerde',
    en: 'Complaint decision',
  },
  'portal.audit.kind.suspension': {
    de: 'Aussetzung oder Wiederzulassung',
    en: 'Suspension or reinstatement',
  },
  'portal.audit.cli': { de: 'Der Befehlszeilen-Prüfer', en: 'The command-line verifier' },
  'portal.audit.cli.lead': {
    de: 'Derselbe Code prüft auch ohne Browser: den Prüfpunkt und seine Konsistenz mit dem zuletzt gesehenen, mit --full jeden Eintrag, mit --receipt eine Quittung offline.',
    en: 'The same code checks without a browser too: the checkpoint and its consistency with the last one seen, every entry with --full, a receipt offline with --receipt.',
  },
  'portal.audit.cli.state': {
    de: 'Beim ersten Lauf merkt sich der Prüfer den Schlüssel des Protokolls in data/verifier-state.json; ein anderer Schlüssel gilt danach als Fehler. Rückgabewerte: 0 geprüft, 1 Prüfung fehlgeschlagen, 2 Bedienungs-, Netz- oder Dateifehler.',
    en: 'On first use the verifier pins the log key in data/verifier-state.json; a different key afterwards is a failure. Exit codes: 0 verified, 1 verification failed, 2 usage, network or file problems.',
  },
  // ----- auditor: checkpoints compared with those seen (forks, a shrunk log), a log not reached
  'portal.audit.conflicts.alarm': {
    de: 'Achtung: Das Protokoll hat sich selbst widersprochen. Ihr Browser hat zwei Prüfpunkte gesehen, die beide mit dem Schlüssel des Protokolls signiert sind, aber nicht zu einem Protokoll gehören können: Es wurde gespalten, umgeschrieben oder verkleinert. Beide sind unten als Beweis aufbewahrt. Melden Sie es der Aufsicht.',
    en: 'Warning: the log has contradicted itself. Your browser saw two checkpoints, both signed with the log key, that cannot belong to one log: it was forked, rewritten or shrunk. Both are kept below as evidence. Report it to the supervisory authority.',
  },
  'portal.audit.conflicts': {
    de: 'Widersprüchliche Prüfpunkte, als Beweis aufbewahrt',
    en: 'Contradicting checkpoints, kept as evidence',
  },
  'portal.audit.conflicts.lead': {
    de: 'Jedes Paar ist mit dem Schlüssel des Protokolls signiert und passt doch nicht zusammen. Ihr Browser bewahrt beide signierten Texte auf; sie werden nie gelöscht. Der widersprechende Prüfpunkt kommt nicht in die Liste der gesehenen.',
    en: 'Each pair is signed with the log key and yet does not fit together. Your browser keeps both signed texts; they are never deleted. The contradicting checkpoint does not join the list of checkpoints seen.',
  },
  'portal.audit.conflicts.item': {
    de: 'Größe {seen} (Wurzel {seenRoot}…) und Größe {other} (Wurzel {otherRoot}…): {reason}',
    en: 'Size {seen} (root {seenRoot}…) and size {other} (root {otherRoot}…): {reason}',
  },
  'portal.audit.conflicts.seenNote': {
    de: 'Früher gesehener Prüfpunkt (Text)',
    en: 'Checkpoint seen before (text)',
  },
  'portal.audit.conflicts.otherNote': {
    de: 'Widersprechender Prüfpunkt (Text)',
    en: 'Contradicting checkpoint (text)',
  },
  'portal.audit.current.checking': {
    de: 'Ihr Browser prüft mit den Kacheln des Protokolls, ob dieser Prüfpunkt den zuletzt gesehenen fortsetzt …',
    en: 'Your browser is checking with the log’s tiles that this checkpoint extends the one seen last …',
  },
  'portal.audit.current.consistent': {
    de: 'Er setzt den zuletzt gesehenen Prüfpunkt (Größe {seen}) fort: Das Protokoll ist seitdem nur gewachsen.',
    en: 'It extends the checkpoint seen last (size {seen}): the log has only grown since.',
  },
  'portal.audit.current.shrunk': {
    de: 'Achtung: Das Protokoll ist kleiner geworden. Ihr Browser hat einen signierten Prüfpunkt mit Größe {seen} gesehen, jetzt zeigt die Clearingstelle nur Größe {size}. Beide Prüfpunkte sind unten als Beweis aufbewahrt.',
    en: 'Warning: the log has shrunk. Your browser saw a signed checkpoint of size {seen}; the clearinghouse now shows only size {size}. Both checkpoints are kept below as evidence.',
  },
  'portal.audit.current.conflict': {
    de: 'Achtung: Dieser Prüfpunkt widerspricht dem zuvor gesehenen mit Größe {seen}. {reason} Beide sind unten als Beweis aufbewahrt.',
    en: 'Warning: this checkpoint contradicts the one of size {seen} seen before. {reason} Both are kept below as evidence.',
  },
  'portal.audit.current.unchecked': {
    de: 'Ob er den zuletzt gesehenen Prüfpunkt (Größe {seen}) fortsetzt, ließ sich noch nicht prüfen: {reason} Bis dahin kommt er nicht in die Liste der gesehenen.',
    en: 'Whether it extends the checkpoint seen last (size {seen}) could not be checked yet: {reason} Until then it does not join the checkpoints seen.',
  },
  'portal.audit.receipt.checking': {
    de: 'Eintrag {index} steht im signierten Prüfpunkt der Quittung. Ihr Browser prüft noch, ob dieser Prüfpunkt zu den gesehenen passt …',
    en: 'Entry {index} is in the receipt’s signed checkpoint. Your browser is still checking that this checkpoint fits the ones seen …',
  },
  'portal.audit.receipt.conflict': {
    de: 'Widerspruch: Eintrag {index} steht zwar im signierten Prüfpunkt der Quittung (Größe {size}), aber dieser widerspricht dem zuvor gesehenen mit Größe {seen}. {reason} Beide sind als Beweis aufbewahrt.',
    en: 'Contradiction: entry {index} is in the receipt’s signed checkpoint (size {size}), but that checkpoint contradicts the one of size {seen} seen before. {reason} Both are kept as evidence.',
  },
  'portal.audit.receipt.unchecked': {
    de: 'Eintrag {index} steht im signierten Prüfpunkt der Quittung (Größe {size}). Ob dieser zu dem gesehenen mit Größe {seen} passt, ließ sich noch nicht prüfen: {reason}',
    en: 'Entry {index} is in the receipt’s signed checkpoint (size {size}). Whether that checkpoint fits the one of size {seen} seen could not be checked yet: {reason}',
  },
  'portal.audit.paste.checking': {
    de: 'Die Signatur stimmt. Ihr Browser prüft noch, ob der Prüfpunkt zu den gesehenen passt …',
    en: 'The signature is valid. Your browser is still checking that the checkpoint fits the ones seen …',
  },
  'portal.audit.paste.added': {
    de: 'Der Prüfpunkt mit Größe {size} passt zu den gesehenen und steht jetzt in der Liste.',
    en: 'The checkpoint of size {size} fits the ones seen and is now in the list.',
  },
  'portal.audit.paste.conflict': {
    de: 'Widerspruch: Der Prüfpunkt mit Größe {size} ist mit dem Schlüssel des Protokolls signiert, widerspricht aber dem zuvor gesehenen mit Größe {seen}. {reason} Beide sind als Beweis aufbewahrt.',
    en: 'Contradiction: the checkpoint of size {size} is signed with the log key but contradicts the one of size {seen} seen before. {reason} Both are kept as evidence.',
  },
  'portal.audit.paste.unchecked': {
    de: 'Ob der Prüfpunkt mit Größe {size} zu dem gesehenen mit Größe {seen} passt, ließ sich noch nicht prüfen: {reason} Er wurde nicht hinzugefügt.',
    en: 'Whether the checkpoint of size {size} fits the one of size {seen} seen could not be checked yet: {reason} It was not added.',
  },
  'portal.audit.unreachable': {
    de: 'Das Protokoll war nicht erreichbar oder hat mit einem Fehler geantwortet. Bitte versuchen Sie es später erneut.',
    en: 'The log could not be reached or answered with an error. Please try again later.',
  },
  'portal.audit.tileMissing': {
    de: 'Das Protokoll hat einen Teil, den sein signierter Prüfpunkt voraussetzt, nicht geliefert ({path}, Antwort {status}). Bitte versuchen Sie es später erneut; bleibt es dabei, hält das Protokoll seinen eigenen Prüfpunkt nicht ein.',
    en: 'The log did not deliver a part its signed checkpoint implies ({path}, answer {status}). Please try again later; if it stays so, the log does not keep to its own checkpoint.',
  },
  'portal.audit.consistency.unchecked': { de: 'Nicht geprüft:', en: 'Not checked:' },
  'portal.audit.history.option': {
    de: 'Größe {size} · Wurzel {root}…',
    en: 'Size {size} · root {root}…',
  },
  'portal.audit.history.optionConflict': {
    de: 'Größe {size} · Wurzel {root}… (widersprüchlich)',
    en: 'Size {size} · root {root}… (contradicting)',
  },
  'portal.audit.entries.table': {
    de: 'Tabelle der Einträge, seitlich verschiebbar',
    en: 'Table of entries, scrolls sideways',
  },
  // ----- regulator
  'portal.regulator.title': { de: 'Aufsicht', en: 'Regulator' },
  'portal.regulator.lead': {
    de: 'Angemeldet als {name}. Zahlen der gesamten Clearingstelle, Stand {at}.',
    en: 'Logged in as {name}. Figures of the whole clearinghouse as of {at}.',
  },
  'portal.regulator.back': { de: 'Zurück zur Übersicht', en: 'Back to the dashboard' },
  'portal.regulator.people.title': { de: 'Kolleginnen und Kollegen', en: 'Colleagues' },
  'portal.regulator.people.open': {
    de: 'Kolleginnen und Kollegen einladen und verwalten',
    en: 'Invite and manage colleagues',
  },
  'portal.regulator.people.lead': {
    de: 'Alle, die hier eingerichtet sind, können über Beschwerden entscheiden und Unternehmen aussetzen; jede Handlung unterschreiben sie mit dem eigenen Schlüssel. Eine Einladung ist ein einmaliger Link, 24 Stunden gültig: Geben Sie ihn nur der eingeladenen Person, auf einem sicheren Weg.',
    en: 'Everyone enrolled here can decide complaints and suspend companies, each act signed with their own key. An invitation is a one-time link, valid for 24 hours: give it only to the person invited, by a safe channel.',
  },
  'portal.regulator.people.enrolled': { de: 'Eingerichtet', en: 'Enrolled' },
  'portal.regulator.people.inviteName': {
    de: 'Name der eingeladenen Person (freiwillig; sonst gibt sie ihn selbst an)',
    en: 'Name of the person invited (optional; otherwise they give it themselves)',
  },
  'portal.regulator.people.invite': { de: 'Einladung erstellen', en: 'Create an invitation' },
  // The name of an invitation, checked by the clearinghouse's rule (people-name.ts), at the field.
  'portal.regulator.people.nameTooLong': {
    de: 'Der Name darf höchstens 100 Zeichen lang sein.',
    en: 'The name may be at most 100 characters long.',
  },
  'portal.regulator.people.nameCharacters': {
    de: 'Der Name enthält ein unsichtbares Zeichen oder ein Steuerzeichen. Bitte tippen Sie ihn neu ein, statt ihn einzufügen.',
    en: 'The name contains an invisible or control character. Please type it again instead of pasting it.',
  },
  'portal.regulator.people.nameRefused': {
    de: 'Die Clearingstelle hat diesen Namen nicht angenommen. Bitte prüfen Sie ihn und versuchen Sie es noch einmal.',
    en: 'The clearinghouse did not accept this name. Please check it and try again.',
  },
  'portal.regulator.people.removed': {
    de: 'Entfernt: Die Person kann sich nicht mehr anmelden und nicht mehr als Aufsicht unterschreiben.',
    en: 'Removed: they can no longer log in or sign as a regulator.',
  },
  'portal.regulator.people.ended': {
    de: 'Ihre Sitzung ist abgelaufen: Melden Sie sich wieder an, um die Listen zu sehen und hier zu handeln. Was darunter steht, ist trotzdem geschehen (jede Handlung ist unterschrieben und braucht keine Sitzung).',
    en: 'Your session has ended: log in again to see the lists and to act here. What is said below was done all the same (each act is signed and needs no session).',
  },
  'portal.regulator.people.login': {
    de: 'Wieder anmelden (am besten in einem neuen Tab)',
    en: 'Log in again (best in a new tab)',
  },
  'portal.regulator.totals': { de: 'Auf einen Blick', en: 'At a glance' },
  'portal.regulator.totals.companies': { de: 'Unternehmen', en: 'Companies' },
  'portal.regulator.openComplaints': { de: 'Offene Beschwerden', en: 'Open complaints' },
  'portal.regulator.openComplaints.none': {
    de: 'Keine offene Beschwerde.',
    en: 'No open complaint.',
  },
  'portal.regulator.review': { de: 'Prüfen: {company}', en: 'Review: {company}' },
  'portal.regulator.openComplaints.lead': {
    de: 'Neueste zuerst; die ältesten stehen auf der letzten Seite.',
    en: 'Newest first; the oldest are on the last page.',
  },
  'portal.regulator.decidedComplaints': {
    de: 'Entschiedene Beschwerden',
    en: 'Decided complaints',
  },
  'portal.regulator.paging.rows': {
    de: 'Beschwerden {from}–{to} von {total}',
    en: 'Complaints {from}–{to} of {total}',
  },
  'portal.regulator.paging.rows.companies': {
    de: 'Unternehmen {from}–{to} von {total}',
    en: 'Companies {from}–{to} of {total}',
  },
  'portal.regulator.paging.first': { de: 'Erste Seite', en: 'First page' },
  'portal.regulator.onThisPage': { de: 'Auf dieser Seite', en: 'On this page' },
  'portal.regulator.paging.last': { de: 'Letzte Seite', en: 'Last page' },
  'portal.regulator.jump.findings': { de: 'Befunde ({count})', en: 'Findings ({count})' },
  'portal.regulator.jump.complaints': {
    de: 'Beschwerden ({open} offen, {decided} entschieden)',
    en: 'Complaints ({open} open, {decided} decided)',
  },
  'portal.regulator.overTime': { de: 'Verlauf nach Wochen', en: 'Week by week' },
  'portal.regulator.chart.refused': {
    de: 'Abgewiesene Zustellversuche',
    en: 'Refused relay attempts',
  },
  // `{count}` is the number of weeks; each total, formatted by the caller, follows its label,
  // so it reads the same for one or many.
  'portal.regulator.chart.summary': {
    de: {
      one: 'In der letzten Woche: Einwilligungen {grants}, Ablehnungen {refusals}, Widerrufe {revocations}, abgewiesene Zustellversuche {refused}.',
      other:
        'In den letzten {count} Wochen: Einwilligungen {grants}, Ablehnungen {refusals}, Widerrufe {revocations}, abgewiesene Zustellversuche {refused}.',
    },
    en: {
      one: 'In the last week: grants {grants}, refusals {refusals}, revocations {revocations}, refused relay attempts {refused}.',
      other:
        'In the last {count} weeks: grants {grants}, refusals {refusals}, revocations {revocations}, refused relay attempts {refused}.',
    },
  },
  'portal.regulator.risk': { de: 'Unternehmen nach Risiko', en: 'Companies by risk' },
  'portal.regulator.risk.pages': {
    de: 'Seiten der Risikoliste',
    en: 'Pages of the risk ranking',
  },
  // `{count}` companies in all; `{page}` and `{pages}`, formatted by the caller.
  'portal.regulator.risk.page': {
    de: {
      one: 'Seite {page} von {pages} ({count} Unternehmen)',
      other: 'Seite {page} von {pages} ({count} Unternehmen)',
    },
    en: {
      one: 'Page {page} of {pages} ({count} company)',
      other: 'Page {page} of {pages} ({count} companies)',
    },
  },
  'portal.regulator.risk.previous': { de: 'Vorige Seite', en: 'Previous page' },
  'portal.regulator.risk.next': { de: 'Nächste Seite', en: 'Next page' },
  'portal.regulator.risk.lead': {
    de: 'Der Risikowert gewichtet die Befunde: verspätete Widerrufsbestätigung ×2, verspätete Antwort auf einen Antrag ×3, bestätigte Beschwerde ×5, offene Beschwerde ×1, Datennutzung außerhalb der Einwilligung ×3, abgewiesener Zustellversuch ×1, Boykott ×1.',
    en: 'The risk score weighs the findings: late revocation acknowledgement ×2, late answer to a data request ×3, upheld complaint ×5, open complaint ×1, data use outside the grant ×3, refused relay attempt ×1, boycott ×1.',
  },
  'portal.regulator.risk.none': {
    de: 'Kein Unternehmen hat Befunde.',
    en: 'No company has findings.',
  },
  'portal.regulator.col.company': { de: 'Unternehmen', en: 'Company' },
  'portal.regulator.col.score': { de: 'Risikowert', en: 'Risk score' },
  'portal.regulator.col.received': { de: 'Eingegangen', en: 'Received' },
  'portal.regulator.col.reasons': { de: 'Gründe', en: 'Reasons' },
  'portal.regulator.col.reason': { de: 'Grund', en: 'Reason' },
  'portal.regulator.col.review': { de: 'Prüfung', en: 'Review' },
  'portal.regulator.col.signals': { de: 'Meldungen', en: 'Signals' },
  'portal.regulator.col.rule': { de: 'Verletzte Regel', en: 'Rule broken' },
  'portal.regulator.col.attempts': { de: 'Versuche', en: 'Attempts' },
  'portal.regulator.figure.acksOverdue': {
    de: 'Widerrufe zu spät bestätigt',
    en: 'Revocations acknowledged late',
  },
  'portal.regulator.figure.answersOverdue': {
    de: 'Anträge zu spät beantwortet',
    en: 'Data requests answered late',
  },
  'portal.regulator.figure.complaintsUpheld': {
    de: 'Beschwerden bestätigt',
    en: 'Complaints upheld',
  },
  'portal.regulator.figure.complaintsOpen': { de: 'Beschwerden offen', en: 'Complaints open' },
  'portal.regulator.figure.accessOutOfScope': {
    de: 'Datennutzung außerhalb der Einwilligung',
    en: 'Data use outside the grant',
  },
  'portal.regulator.figure.refusedRelayAttempts': {
    de: 'Abgewiesene Zustellversuche',
    en: 'Refused relay attempts',
  },
  'portal.regulator.figure.boycotts': { de: 'Boykotte', en: 'Boycotts' },
  'portal.regulator.overdue': {
    de: 'Überfällige Bestätigungen und Antworten je Unternehmen',
    en: 'Overdue acknowledgements and answers per company',
  },
  'portal.regulator.overdue.none': { de: 'Nichts ist überfällig.', en: 'Nothing is overdue.' },
  'portal.regulator.complaints': { de: 'Beschwerden', en: 'Complaints' },
  'portal.regulator.complaints.states': {
    de: '{open} offen, {upheld} bestätigt, {dismissed} abgewiesen.',
    en: '{open} open, {upheld} upheld, {dismissed} dismissed.',
  },
  'portal.regulator.complaints.open': { de: 'offen', en: 'open' },
  'portal.regulator.complaints.upheld': { de: 'bestätigt', en: 'upheld' },
  'portal.regulator.complaints.dismissed': { de: 'abgewiesen', en: 'dismissed' },
  'portal.regulator.complaints.none': { de: 'Keine Beschwerden.', en: 'No complaints.' },
  'portal.regulator.boycotts': { de: 'Boykotte', en: 'Boycotts' },
  'portal.regulator.boycotts.total': {
    de: {
      one: '{count} Boykott eines Pseudonyms mit einer protokollierten Beziehung.',
      other: '{count} Boykotte von Pseudonymen mit einer protokollierten Beziehung.',
    },
    en: {
      one: '{count} boycott by a pseudonym with a logged relationship.',
      other: '{count} boycotts by pseudonyms with a logged relationship.',
    },
  },
  // `{count}` of the boycotting pseudonyms have a confirmed relationship; `{total}`, formatted by
  // the caller, follows its label, so it reads the same for one or many.
  'portal.regulator.boycotts.confirmed': {
    de: {
      one: 'Boykottierende Pseudonyme: {total}. Davon hat {count} eine Beziehung, die das Unternehmen selbst bestätigt hat: Es hat ihm eine gezielte Anfrage oder ein Angebot geschickt oder die Nutzung seiner Daten gemeldet. Die übrigen haben nur auf eine offene Anfrage geantwortet, was auch ein eben erzeugtes Pseudonym kann.',
      other:
        'Boykottierende Pseudonyme: {total}. Davon haben {count} eine Beziehung, die das Unternehmen selbst bestätigt hat: Es hat ihnen eine gezielte Anfrage oder ein Angebot geschickt oder die Nutzung ihrer Daten gemeldet. Die übrigen haben nur auf eine offene Anfrage geantwortet, was auch ein eben erzeugtes Pseudonym kann.',
    },
    en: {
      one: 'Boycotting pseudonyms: {total}. {count} of them has a relationship the company itself confirmed: it sent that pseudonym a targeted request or an offer, or reported using its data. The others only answered an open request, which a freshly made pseudonym can do too.',
      other:
        'Boycotting pseudonyms: {total}. {count} of them have a relationship the company itself confirmed: it sent them a targeted request or an offer, or reported using their data. The others only answered an open request, which a freshly made pseudonym can do too.',
    },
  },
  'portal.regulator.boycotts.byReason': { de: 'Nach Grund', en: 'By reason' },
  'portal.regulator.boycotts.byCompany': { de: 'Nach Unternehmen', en: 'By company' },
  // Each empty table says what it would list (both once said only "No boycotts.").
  'portal.regulator.boycotts.byReason.none': {
    de: 'Noch kein Boykottsignal: Hier stünde, aus welchen Gründen Menschen Unternehmen auf ihre Sperrliste setzen.',
    en: 'No boycott signals yet: this would list the reasons people give for putting companies on their blacklist.',
  },
  'portal.regulator.boycotts.byCompany.none': {
    de: 'Noch kein Unternehmen boykottiert: Hier stünden die Unternehmen mit den meisten boykottierenden Pseudonymen.',
    en: 'No company boycotted yet: this would list the companies with the most boycotting pseudonyms.',
  },
  'portal.regulator.relay': { de: 'Abgewiesene Zustellversuche', en: 'Refused relay attempts' },
  'portal.regulator.relay.total': {
    de: {
      one: 'Die Vermittlung hat {count} Angebot abgewiesen; nach Regel:',
      other: 'Die Vermittlung hat {count} Angebote abgewiesen; nach Regel:',
    },
    en: {
      one: 'The relay refused {count} offer; by rule:',
      other: 'The relay refused {count} offers; by rule:',
    },
  },
  'portal.regulator.relay.none': { de: 'Keine abgewiesenen Versuche.', en: 'No refused attempts.' },
  'portal.regulator.rule.revoked': { de: 'nach dem Widerruf', en: 'after the revocation' },
  'portal.regulator.rule.not_yet_valid': {
    de: 'vor Beginn der Einwilligung',
    en: 'before the grant began',
  },
  'portal.regulator.rule.expired': {
    de: 'nach Ablauf der Einwilligung',
    en: 'after the grant ended',
  },
  'portal.regulator.rule.purpose': { de: 'Zweck nicht erlaubt', en: 'purpose not granted' },
  'portal.regulator.rule.channel': { de: 'Kanal nicht erlaubt', en: 'channel not granted' },
  'portal.regulator.rule.time_window': {
    de: 'außerhalb des Zeitfensters',
    en: 'outside the time window',
  },
  'portal.regulator.rule.contact_cap': {
    de: 'Kontaktgrenze überschritten',
    en: 'contact cap exceeded',
  },
  'portal.regulator.rule.grant_unknown': { de: 'keine solche Einwilligung', en: 'no such grant' },
  'portal.regulator.rule.request_mismatch': {
    de: 'nicht die Anfrage, auf die die Einwilligung antwortet',
    en: 'not the request the grant answers',
  },
  'portal.regulator.rule.check_failed': {
    de: 'die Prüfung konnte in diesem Browser nicht laufen',
    en: 'the check could not run in this browser',
  },
  'portal.regulator.rule.unchecked': {
    de: 'nicht prüfbar, weil ein Schritt davor fehlschlug',
    en: 'not checkable, as a step before it failed',
  },
  'portal.regulator.rule.company_not_active': {
    de: 'Unternehmen nicht aktiv',
    en: 'company not active',
  },
  'portal.regulator.rule.outer_inner_mismatch': {
    de: 'Hülle und Inhalt widersprechen sich',
    en: 'envelope and content disagree',
  },
  'portal.regulator.reason.not_covered': {
    de: 'nicht von der Einwilligung gedeckt',
    en: 'not covered by the grant',
  },
  'portal.regulator.reason.wrong_channel': { de: 'falscher Kanal', en: 'wrong channel' },
  'portal.regulator.reason.outside_time_window': {
    de: 'außerhalb des Zeitfensters',
    en: 'outside the time window',
  },
  'portal.regulator.reason.contact_cap_exceeded': { de: 'zu häufig', en: 'contact cap exceeded' },
  'portal.regulator.reason.after_revocation': {
    de: 'nach dem Widerruf',
    en: 'after the revocation',
  },
  'portal.regulator.reason.missing_unsubscribe': {
    de: 'keine Abmeldemöglichkeit',
    en: 'no way to unsubscribe',
  },
  'portal.regulator.reason.missing_advertisement_label': {
    de: 'nicht als Werbung gekennzeichnet',
    en: 'not labelled as advertisement',
  },
  'portal.regulator.reason.outer_inner_mismatch': {
    de: 'Hülle und Inhalt widersprechen sich',
    en: 'envelope and content disagree',
  },
  'portal.regulator.reason.misleading': { de: 'irreführend', en: 'misleading' },
  'portal.regulator.reason.undisclosed_data': {
    de: 'nicht offengelegte Daten',
    en: 'undisclosed data',
  },
  'portal.regulator.reason.unlawful_onward_transfer': {
    de: 'unerlaubte Weitergabe',
    en: 'unlawful onward transfer',
  },
  'portal.regulator.reason.request_unanswered': {
    de: 'Antrag nicht beantwortet',
    en: 'request unanswered',
  },
  'portal.regulator.reason.other': { de: 'anderes', en: 'other' },
  'portal.regulator.finding.revocation-ack-overdue': {
    de: 'Widerruf zu spät bestätigt',
    en: 'Revocation acknowledged late',
  },
  'portal.regulator.finding.webhook-delivery-failed': {
    de: 'Webhook nicht zustellbar',
    en: 'Webhook delivery failed',
  },
  'portal.regulator.finding.relay-refused': {
    de: 'Zustellversuch abgewiesen',
    en: 'Relay attempt refused',
  },
  'portal.regulator.finding.data-request-overdue': {
    de: 'Antrag zu spät beantwortet',
    en: 'Data request answered late',
  },
  'portal.regulator.finding.access-out-of-scope': {
    de: 'Datennutzung außerhalb der Einwilligung',
    en: 'Data use outside the grant',
  },
  'portal.regulator.finding.complaint-upheld': {
    de: 'Beschwerde bestätigt',
    en: 'Complaint upheld',
  },
  'portal.regulator.findings': { de: 'Befunde', en: 'Findings' },
  'portal.regulator.findings.none': { de: 'Keine Befunde.', en: 'No findings.' },
  'portal.regulator.publicPage': { de: 'öffentliche Seite', en: 'public page' },
  'portal.regulator.complaint.title': { de: 'Beschwerde prüfen', en: 'Review a complaint' },
  'portal.regulator.complaint.complainant': { de: 'Beschwerdeführer', en: 'Complainant' },
  'portal.regulator.complaint.comment': { de: 'Anmerkung', en: 'Comment' },
  'portal.regulator.complaint.hash': {
    de: 'SHA-256 der Beschwerde',
    en: 'SHA-256 of the complaint',
  },
  'portal.regulator.evidence': { de: 'Belege', en: 'Evidence' },
  'portal.regulator.evidence.item': { de: 'Beleg {index}: {kind}', en: 'Evidence {index}: {kind}' },
  'portal.regulator.evidence.field.purpose': { de: 'Zweck', en: 'Purpose' },
  'portal.regulator.evidence.field.channel': { de: 'Kanal', en: 'Channel' },
  'portal.regulator.evidence.field.brand': { de: 'Marke', en: 'Brand' },
  'portal.regulator.evidence.field.title': { de: 'Titel', en: 'Title' },
  'portal.regulator.evidence.field.validUntil': { de: 'Gültig bis', en: 'Valid until' },
  'portal.regulator.evidence.field.advertisement': {
    de: 'Als Werbung gekennzeichnet',
    en: 'Labelled as advertisement',
  },
  'portal.regulator.evidence.field.outcome': { de: 'Antwort', en: 'Answer' },
  'portal.regulator.evidence.field.erasedCategories': {
    de: 'Gelöschte Datenkategorien',
    en: 'Erased data categories',
  },
  'portal.regulator.evidence.field.erasedAt': { de: 'Gelöscht am', en: 'Erased on' },
  'portal.regulator.evidence.field.retainedCategories': {
    de: 'Aufbewahrte Datenkategorien',
    en: 'Data categories kept',
  },
  'portal.regulator.evidence.field.retainedReasonDe': {
    de: 'Begründung der Aufbewahrung (Deutsch)',
    en: 'Reason for keeping them (German)',
  },
  'portal.regulator.evidence.field.retainedReasonEn': {
    de: 'Begründung der Aufbewahrung (Englisch)',
    en: 'Reason for keeping them (English)',
  },
  'portal.regulator.evidence.field.reasonDe': {
    de: 'Begründung der Ablehnung (Deutsch)',
    en: 'Reason for the refusal (German)',
  },
  'portal.regulator.evidence.field.reasonEn': {
    de: 'Begründung der Ablehnung (Englisch)',
    en: 'Reason for the refusal (English)',
  },
  'portal.regulator.evidence.field.askingReasonDe': {
    de: 'Warum das Unternehmen fragt (Deutsch)',
    en: 'Why the company asks (German)',
  },
  'portal.regulator.evidence.field.askingReasonEn': {
    de: 'Warum das Unternehmen fragt (Englisch)',
    en: 'Why the company asks (English)',
  },
  'portal.regulator.evidence.outcome.disclosure': {
    de: 'Auskunft erteilt',
    en: 'Access given by a disclosure',
  },
  'portal.regulator.evidence.outcome.erased': { de: 'Löschung bestätigt', en: 'Erasure confirmed' },
  'portal.regulator.evidence.outcome.refused': { de: 'Abgelehnt', en: 'Refused' },
  'portal.regulator.evidence.field.iat': { de: 'Signiert', en: 'Signed' },
  'portal.regulator.evidence.yes': { de: 'ja', en: 'yes' },
  'portal.regulator.evidence.no': { de: 'nein', en: 'no' },
  // The consent a piece of evidence was sent under (components/regulator/grant-scopes.ts).
  'portal.regulator.scope.grant': {
    de: 'Einwilligung, die der Beleg nennt',
    en: 'The grant this evidence names',
  },
  'portal.regulator.scope.grantLead': {
    de: 'So hat der Kunde sie signiert (aus der gespeicherten signierten Einwilligung gelesen):',
    en: 'As the customer signed it (read from the stored signed grant):',
  },
  'portal.regulator.scope.noGrant': {
    de: 'Dieser Beleg nennt keine Einwilligung, daher gibt es keinen eingewilligten Umfang, an dem er sich messen lässt.',
    en: 'This evidence names no grant, so there is no consented scope to judge it against.',
  },
  'portal.regulator.scope.unknownGrant': {
    de: 'Dieser Beleg nennt eine Einwilligung, die die Clearingstelle für dieses Unternehmen nicht kennt; ihr Umfang kann daher nicht gezeigt werden.',
    en: 'This evidence names a grant the clearinghouse does not hold for this company, so its scope cannot be shown.',
  },
  'portal.regulator.scope.request': {
    de: 'Worum das Unternehmen gebeten hatte',
    en: 'What the company asked for',
  },
  'portal.regulator.scope.requestMissing': {
    de: 'Die Anfrage, auf die diese Einwilligung antwortet, ist bei der Clearingstelle nicht gespeichert.',
    en: 'The grant request this grant answers is not stored with the clearinghouse.',
  },
  'portal.regulator.scope.requestSame': {
    de: 'Die Anfrage des Unternehmens bat um genau diesen Umfang.',
    en: 'The company’s grant request asked for exactly this scope.',
  },
  'portal.regulator.scope.requestDiffers': {
    de: 'Die Einwilligung weicht von der Anfrage ab. Die Anfrage bat um:',
    en: 'The grant differs from the request. The request asked for:',
  },
  'portal.regulator.scope.requestPending': {
    de: 'Ihr Browser prüft noch die Signatur des Unternehmens auf dieser Anfrage (siehe „Prüfung im Browser“); bis dahin ist das Folgende die Angabe der Clearingstelle.',
    en: 'Your browser is still checking the company’s signature on this request (see “Verified in your browser”); until then, what follows is the clearinghouse’s word.',
  },
  'portal.regulator.scope.requestVerified': {
    de: 'In Ihrem Browser geprüft: vom Unternehmen mit einem Schlüssel signiert, den es zu diesem Zeitpunkt registriert hatte, und genau die Anfrage, auf die die Einwilligung antwortet.',
    en: 'Verified in your browser: signed by the company with a key it had registered at the time, and the very request the grant answers.',
  },
  'portal.regulator.scope.askedVerified': {
    de: 'In Ihrem Browser geprüft: vom Unternehmen mit einem Schlüssel signiert, den es zu diesem Zeitpunkt registriert hatte.',
    en: 'Verified in your browser: signed by the company with a key it had registered at the time.',
  },
  'portal.regulator.scope.requestUnverified': {
    de: 'Die gespeicherte Anfrage kann nicht als das gelten, worum das Unternehmen gebeten hat, daher wird ihr Umfang nicht gezeigt: Ihr Browser konnte die Signatur des Unternehmens darauf nicht bestätigen. Grund: {cause}',
    en: 'The stored request cannot count as what the company asked for, so its scope is not shown: your browser could not confirm the company’s signature on it. Reason: {cause}',
  },
  'portal.regulator.scope.revokedOn': {
    de: 'Widerrufen am {at} (signierter Widerruf des Kunden)',
    en: 'Revoked on {at} (the customer’s signed revocation)',
  },
  'portal.regulator.scope.unreadable': {
    de: 'Dieser Umfang hat nicht die Form, die das Protokoll vorsieht. So wurde er signiert:',
    en: 'This scope does not have the shape the protocol defines. As it was signed:',
  },
  'portal.regulator.scope.item': {
    de: 'Umfang {index}: {purpose}',
    en: 'Scope {index}: {purpose}',
  },
  'portal.regulator.scope.sha256': { de: 'SHA-256', en: 'SHA-256' },
  'portal.regulator.scope.preferredChannel': { de: 'Bevorzugter Kanal', en: 'Preferred channel' },
  'portal.regulator.scope.until': { de: 'Einwilligung gilt bis', en: 'Grant lasts until' },
  'portal.regulator.scope.relationship': { de: 'Gewünschte Beziehung', en: 'Relationship wanted' },
  'portal.regulator.scope.contactCap': { de: 'Kontakte pro Woche', en: 'Contacts per week' },
  'portal.regulator.scope.perWeek': {
    de: {
      one: 'höchstens {count} Kontakt pro Woche',
      other: 'höchstens {count} Kontakte pro Woche',
    },
    en: { one: 'at most {count} contact per week', other: 'at most {count} contacts per week' },
  },
  'portal.regulator.scope.noCap': { de: 'keine Obergrenze', en: 'no cap' },
  'portal.regulator.scope.timeWindows': { de: 'Zeitfenster', en: 'Time windows' },
  'portal.regulator.scope.window': { de: '{days}: {from}–{to} Uhr', en: '{days}: {from}–{to}' },
  'portal.regulator.scope.anyTime': {
    de: 'jederzeit (kein Zeitfenster)',
    en: 'any time (no time window)',
  },
  'portal.regulator.scope.noEnd': {
    de: 'kein Enddatum in diesem Umfang',
    en: 'no end date in this scope',
  },
  'portal.regulator.scope.retention': { de: 'Aufbewahrung', en: 'Retention' },
  'portal.regulator.scope.days': {
    de: { one: '{count} Tag', other: '{count} Tage' },
    en: { one: '{count} day', other: '{count} days' },
  },
  'portal.regulator.scope.recipients': { de: 'Weitere Empfänger', en: 'Onward recipients' },
  'portal.regulator.scope.none': { de: 'keine', en: 'none' },
  'portal.regulator.verification': { de: 'Prüfung im Browser', en: 'Verified in your browser' },
  'portal.regulator.verification.lead': {
    de: 'Ihr Browser prüft mit demselben Protokoll-Code wie die Clearingstelle: die Signatur der Beschwerde, die Signatur des Unternehmens zum Zeitpunkt des Belegs, die Einwilligung, die Anfrage des Unternehmens, auf die sie antwortet, und ob die Einwilligung den Beleg deckte.',
    en: 'Your browser checks with the same protocol code as the clearinghouse: the complaint’s signature, the company’s signature as of the evidence’s time, the grant, the company’s request it answers, and whether the grant covered the evidence.',
  },
  'portal.regulator.verification.running': { de: 'Wird geprüft …', en: 'Verifying …' },
  'portal.regulator.verification.failed': {
    de: 'Die Prüfung konnte in diesem Browser nicht laufen.',
    en: 'The check could not run in this browser.',
  },
  'portal.regulator.verification.authentic': {
    de: 'Beschwerde und Belege sind echt: signiert vom Beschwerdeführer und vom Unternehmen.',
    en: 'The complaint and its evidence are authentic: signed by the complainant and by the company.',
  },
  'portal.regulator.verification.notAuthentic': {
    de: 'Beschwerde oder Belege sind nicht echt signiert.',
    en: 'The complaint or its evidence is not authentically signed.',
  },
  'portal.regulator.step.complaint-signature': {
    de: 'Signatur der Beschwerde',
    en: 'Signature of the complaint',
  },
  'portal.regulator.step.evidence-signature': {
    de: 'Signatur des Unternehmens, Beleg{index}',
    en: 'Company signature, evidence{index}',
  },
  'portal.regulator.step.grant-signature': {
    de: 'Einwilligung zu Beleg{index}',
    en: 'Grant of evidence{index}',
  },
  'portal.regulator.step.request-signature': {
    de: 'Anfrage des Unternehmens zur Einwilligung, Beleg{index}',
    en: 'Company’s request the grant answers, evidence{index}',
  },
  'portal.regulator.step.coverage': {
    de: 'Von der Einwilligung gedeckt, Beleg{index}',
    en: 'Covered by the grant, evidence{index}',
  },
  'portal.regulator.step.outer-inner': {
    de: 'Hülle und Inhalt stimmen überein',
    en: 'Envelope and content agree',
  },
  'portal.regulator.step.ok': { de: 'ja', en: 'yes' },
  'portal.regulator.step.failed': { de: 'nein –', en: 'no –' },
  'portal.regulator.rules': { de: 'Die gerügten Regeln', en: 'The rules complained of' },
  'portal.regulator.verdict.confirmed': {
    de: 'durch die signierten Belege bestätigt',
    en: 'confirmed by the signed evidence',
  },
  'portal.regulator.verdict.not-confirmed': {
    de: 'durch die signierten Belege nicht bestätigt',
    en: 'not confirmed by the signed evidence',
  },
  'portal.regulator.verdict.judgement': {
    de: 'Ihre Einschätzung ist gefragt',
    en: 'a matter for your judgement',
  },
  'portal.regulator.decision': { de: 'Entscheidung', en: 'Decision' },
  'portal.regulator.decision.upheld': { de: 'Beschwerde bestätigen', en: 'Uphold the complaint' },
  'portal.regulator.decision.dismissed': { de: 'Beschwerde abweisen', en: 'Dismiss the complaint' },
  'portal.regulator.decision.submit': { de: 'Entscheidung signieren', en: 'Sign the decision' },
  'portal.regulator.decision.missing': {
    de: 'Bitte wählen Sie zuerst: Beschwerde bestätigen oder abweisen.',
    en: 'Please choose first: uphold or dismiss the complaint.',
  },
  'portal.regulator.decision.done': {
    de: 'Ihre signierte Entscheidung ist gespeichert und wird protokolliert.',
    en: 'Your signed decision is stored and is being logged.',
  },
  'portal.regulator.decision.wasUpheld': {
    de: 'Die Beschwerde wurde am {at} bestätigt.',
    en: 'The complaint was upheld on {at}.',
  },
  'portal.regulator.decision.wasDismissed': {
    de: 'Die Beschwerde wurde am {at} abgewiesen.',
    en: 'The complaint was dismissed on {at}.',
  },
  'portal.regulator.decision.toCompany': {
    de: 'Zum Unternehmen (aussetzen oder wieder zulassen)',
    en: 'To the company (suspend or reinstate)',
  },
  'portal.regulator.reasonText.de': { de: 'Begründung auf Deutsch', en: 'Reason in German' },
  'portal.regulator.reasonText.en': { de: 'Begründung auf Englisch', en: 'Reason in English' },
  'portal.regulator.reasonMissing': {
    de: 'Bitte begründen Sie auf Deutsch und auf Englisch.',
    en: 'Please give the reason in German and in English.',
  },
  'portal.regulator.suspend.title': { de: 'Unternehmen aussetzen', en: 'Suspend the company' },
  'portal.regulator.suspend.cite': {
    de: 'Gestützt auf diese bestätigten Beschwerden',
    en: 'Resting on these upheld complaints',
  },
  'portal.regulator.suspend.submit': { de: 'Aussetzung signieren', en: 'Sign the suspension' },
  'portal.regulator.suspend.cited': {
    de: '{count} ausgewählt, über alle Seiten der Liste (höchstens {max}).',
    en: '{count} selected across all pages of the list (at most {max}).',
  },
  'portal.regulator.suspend.citeTooMany': {
    de: 'Eine Aussetzung kann sich auf höchstens {max} Beschwerden stützen.',
    en: 'A suspension can rest on at most {max} complaints.',
  },
  'portal.regulator.suspend.done': {
    de: 'Das Unternehmen ist ab sofort ausgesetzt, im Register und in der API.',
    en: 'The company is suspended from now on, in the registry and in the API.',
  },
  'portal.regulator.reinstate.title': {
    de: 'Unternehmen wieder zulassen',
    en: 'Reinstate the company',
  },
  'portal.regulator.reinstate.submit': {
    de: 'Wiederzulassung signieren',
    en: 'Sign the reinstatement',
  },
  'portal.regulator.reinstate.done': {
    de: 'Das Unternehmen ist wieder zugelassen.',
    en: 'The company is reinstated.',
  },
  'portal.regulator.sign.how': {
    de: 'Sie unterschreiben mit dem Schlüssel, den Ihr Browser bei Ihrer Einrichtung erzeugt hat; die Clearingstelle prüft die Unterschrift und protokolliert sie.',
    en: 'You sign with the key your browser created when you enrolled; the clearinghouse verifies the signature and logs it.',
  },
  'portal.regulator.sign.noscript': {
    de: 'Prüfen und Unterschreiben geschieht in Ihrem Browser und braucht JavaScript.',
    en: 'Verifying and signing happen in your browser and need JavaScript.',
  },
  'portal.regulator.sign.noKey': {
    de: 'Dieser Browser hält Ihren Signaturschlüssel nicht. Unterschreiben können Sie nur in dem Browser, in dem Sie sich eingerichtet haben.',
    en: 'This browser does not hold your signing key. You can sign only in the browser in which you enrolled.',
  },
  'portal.regulator.sign.failed': {
    de: 'Das Unterschreiben oder Senden ist fehlgeschlagen. Bitte versuchen Sie es erneut.',
    en: 'Signing or sending failed. Please try again.',
  },
  // A regulator's act signed with a key the clearinghouse no longer holds (signed-post.ts).
  'portal.regulator.sign.keyGone': {
    de: 'Ihr Signaturschlüssel ist hier nicht mehr eingerichtet: Sie wurden entfernt, oder Ihr Schlüssel wurde durch einen neuen ersetzt. Melden Sie sich bitte wieder an; gelingt das nicht, bitten Sie eine Kollegin oder einen Kollegen um eine neue Einladung.',
    en: 'Your signing key is no longer enrolled here: you were removed, or your key was replaced by a new one. Please log in again; if that does not work, ask a colleague for a new invitation.',
  },
  // the suspension form: each missing reason beside its own field
  'portal.regulator.suspend.reasonMissing.de': {
    de: 'Bitte geben Sie die Begründung auf Deutsch an.',
    en: 'Please give the reason in German.',
  },
  'portal.regulator.suspend.reasonMissing.en': {
    de: 'Bitte geben Sie die Begründung auf Englisch an.',
    en: 'Please give the reason in English.',
  },
} as const satisfies Record<string, Entry>;
