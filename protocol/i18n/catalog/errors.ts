import type { ProtocolErrorCode } from '../../errors';
import type { Entry } from '../index';

/**
 * Human sentences for protocol error codes (`errors.<code>`), shown in the UI and used as
 * problem+json titles. Owned by protocol/: one entry per code in protocol/errors.ts. Typed as a
 * complete record over the codes, so adding a code without its sentence fails the type check
 * (and protocol/i18n/index.test.ts checks the same at run time).
 *
 * The sentences address the person in front of the screen (customer, company staff, auditor),
 * say what happened and, where there is one, what to do; never how the check works inside.
 */
export const errors = {
  'errors.ERR_MESSAGE_INVALID': {
    de: 'Die Nachricht ist nicht richtig aufgebaut und wurde nicht angenommen.',
    en: 'The message is not well-formed and was not accepted.',
  },
  'errors.ERR_MESSAGE_KIND_UNKNOWN': {
    de: 'Diese Art von Nachricht ist unbekannt.',
    en: 'This kind of message is not known.',
  },
  'errors.ERR_MESSAGE_TOO_LARGE': {
    de: 'Die Nachricht ist zu groß.',
    en: 'The message is too large.',
  },
  'errors.ERR_BASE64URL_NONCANONICAL': {
    de: 'Die Nachricht ist nicht eindeutig kodiert und wurde deshalb abgelehnt.',
    en: 'The message is not encoded in its one canonical form and was refused.',
  },
  'errors.ERR_ENCODING_INVALID': {
    de: 'Die Nachricht enthält ungültig kodierte Daten.',
    en: 'The message contains data that is not validly encoded.',
  },
  'errors.ERR_JWS_MALFORMED': {
    de: 'Die Signatur der Nachricht ist nicht richtig aufgebaut.',
    en: 'The signed message is not well-formed.',
  },
  'errors.ERR_JWS_ALG_NOT_ALLOWED': {
    de: 'Die Nachricht ist mit einem nicht zugelassenen Verfahren signiert.',
    en: 'The message is signed with an algorithm that is not allowed.',
  },
  'errors.ERR_JWS_HEADER_INVALID': {
    de: 'Die Angaben zur Signatur der Nachricht sind ungültig.',
    en: 'The signature header of the message is invalid.',
  },
  'errors.ERR_JWS_TYP_MISMATCH': {
    de: 'Die Nachricht ist für einen anderen Zweck signiert, als hier erwartet wird.',
    en: 'The message was signed as a different kind than the one expected here.',
  },
  'errors.ERR_JWS_KID_UNKNOWN': {
    de: 'Der Schlüssel, mit dem die Nachricht signiert wurde, ist unbekannt.',
    en: 'The key that signed this message is not known.',
  },
  'errors.ERR_JWS_SIGNATURE_INVALID': {
    de: 'Die Signatur ist ungültig: Die Nachricht stammt nicht vom angegebenen Absender oder wurde verändert.',
    en: 'The signature is invalid: the message is not from its stated sender or was altered.',
  },
  'errors.ERR_JWS_AUD_MISMATCH': {
    de: 'Die Nachricht ist an jemand anderen gerichtet.',
    en: 'The message is addressed to someone else.',
  },
  'errors.ERR_JWS_NOT_YET_VALID': {
    de: 'Die Nachricht ist erst später gültig. Bitte prüfen Sie die Uhrzeit Ihres Geräts.',
    en: "The message is not valid yet. Please check your device's clock.",
  },
  'errors.ERR_JWS_EXPIRED': {
    de: 'Die Nachricht ist abgelaufen. Bitte senden Sie sie erneut.',
    en: 'The message has expired. Please send it again.',
  },
  'errors.ERR_JWS_WINDOW_TOO_LONG': {
    de: 'Die Gültigkeitsdauer der Nachricht ist länger als erlaubt.',
    en: 'The message is valid for longer than allowed.',
  },
  'errors.ERR_JWS_REPLAYED': {
    de: 'Diese Nachricht wurde bereits empfangen und wird nicht ein zweites Mal angenommen.',
    en: 'This message was already received and is not accepted a second time.',
  },
  'errors.ERR_KEY_INVALID': {
    de: 'Der Schlüssel ist ungültig.',
    en: 'The key is invalid.',
  },
  'errors.ERR_RECOVERY_PHRASE_INVALID': {
    de: 'Die Wiederherstellungsphrase ist ungültig. Prüfen Sie, ob alle 24 Wörter richtig geschrieben sind und in der richtigen Reihenfolge stehen. Es wurde nichts verändert.',
    en: 'The recovery phrase is not valid. Check that all 24 words are spelt right and in the right order. Nothing was changed.',
  },
  'errors.ERR_SEAL_OPEN_FAILED': {
    de: 'Der verschlüsselte Inhalt ließ sich nicht öffnen: Er ist nicht für diesen Empfänger bestimmt oder wurde beschädigt.',
    en: 'The encrypted content could not be opened: it is not meant for this recipient or was damaged.',
  },
  'errors.ERR_SEAL_CONTENT_INVALID': {
    de: 'Der entschlüsselte Inhalt ist ungültig.',
    en: 'The decrypted content is invalid.',
  },
  'errors.ERR_EVIDENCE_INVALID': {
    de: 'Der Beleg der Beschwerde lässt sich nicht als Nachricht dieses Unternehmens bestätigen.',
    en: 'The evidence of the complaint cannot be confirmed as a message of this company.',
  },
  'errors.ERR_DATA_REQUEST_UNKNOWN': {
    de: 'Diese Auskunfts- oder Löschanfrage ist nicht bekannt.',
    en: 'This access or erasure request is not known.',
  },
  'errors.ERR_DATA_REQUEST_ALREADY_ANSWERED': {
    de: 'Diese Anfrage wurde bereits beantwortet.',
    en: 'This request has already been answered.',
  },
  'errors.ERR_DISCLOSURE_UNKNOWN': {
    de: 'Die genannte Auskunft über gespeicherte Daten ist nicht bekannt.',
    en: 'The disclosure named is not known.',
  },
  'errors.ERR_COMPLAINT_UNKNOWN': {
    de: 'Diese Beschwerde ist nicht bekannt.',
    en: 'This complaint is not known.',
  },
  'errors.ERR_COMPLAINT_ALREADY_DECIDED': {
    de: 'Über diese Beschwerde wurde bereits entschieden.',
    en: 'This complaint has already been decided.',
  },
  'errors.ERR_TOO_MANY_OPEN_REQUESTS': {
    de: 'Bei diesem Unternehmen sind schon zehn Ihrer Anfragen zu Ihren Daten offen. Warten Sie die Antworten ab, bevor Sie weitere stellen.',
    en: 'Ten of your requests about your data are already open with this company. Wait for the answers before you send more.',
  },
  'errors.ERR_TOO_MANY_OPEN_CORRECTIONS': {
    de: 'Bei diesem Unternehmen warten schon 20 Ihrer Berichtigungen darauf, abgeholt zu werden. Der Assistent sendet diese, sobald das Unternehmen die wartenden abgeholt hat.',
    en: 'Twenty of your corrections are already waiting for this company to fetch them. The Assistant sends this one once the company has fetched those.',
  },
  'errors.ERR_COMPLAINT_DUPLICATE': {
    de: 'Sie haben sich mit denselben Belegen schon über dieses Unternehmen beschwert. Die Aufsicht hat darüber noch nicht entschieden.',
    en: 'You have already complained about this company with the same evidence. The regulator has not decided on it yet.',
  },
  'errors.ERR_SUSPENSION_CONFLICT': {
    de: 'Das Unternehmen ist bereits in diesem Zustand (ausgesetzt oder nicht ausgesetzt).',
    en: 'The company is already in this state (suspended or not).',
  },
  'errors.ERR_GRANT_NOT_COVERED': {
    de: 'Dafür liegt keine Einwilligung vor.',
    en: 'There is no consent for this.',
  },
  'errors.ERR_COVERAGE_QUERY_INVALID': {
    de: 'Die Prüfung der Einwilligung wurde mit ungültigen Angaben aufgerufen.',
    en: 'The consent check was asked with invalid figures.',
  },
  'errors.ERR_MESSAGE_ISSUER_MISMATCH': {
    de: 'Die Nachricht wurde nicht mit dem Schlüssel ihres Absenders signiert.',
    en: 'The message was not signed with the key of its sender.',
  },
  'errors.ERR_CRYPTO_NOT_READY': {
    de: 'Die Verschlüsselung ist noch nicht bereit. Bitte versuchen Sie es gleich noch einmal.',
    en: 'Encryption is not ready yet. Please try again in a moment.',
  },
  'errors.ERR_STORAGE_UNAVAILABLE': {
    de: 'Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es später erneut.',
    en: 'The service is temporarily unavailable. Please try again later.',
  },
  'errors.ERR_STORAGE_WRITE_FAILED': {
    de: 'Die Nachricht konnte nicht gespeichert werden. Bitte senden Sie sie erneut.',
    en: 'The message could not be stored. Please send it again.',
  },
  'errors.ERR_TLOG_RANGE_INVALID': {
    de: 'Dieser Eintrag oder diese Größe liegt außerhalb des Protokolls.',
    en: 'This entry or size lies outside the log.',
  },
  'errors.ERR_TLOG_PROOF_INVALID': {
    de: 'Der Nachweis aus dem öffentlichen Protokoll ist nicht richtig aufgebaut.',
    en: 'The proof from the public log is not well-formed.',
  },
  'errors.ERR_TLOG_INCLUSION_INVALID': {
    de: 'Der Nachweis, dass der Eintrag im öffentlichen Protokoll steht, ist ungültig.',
    en: 'The proof that the entry is in the public log is invalid.',
  },
  'errors.ERR_TLOG_CONSISTENCY_INVALID': {
    de: 'Der Nachweis, dass das öffentliche Protokoll nur ergänzt und nie verändert wurde, ist ungültig.',
    en: 'The proof that the public log was only appended to and never rewritten is invalid.',
  },
  'errors.ERR_TLOG_TILE_INVALID': {
    de: 'Ein Teil des öffentlichen Protokolls passt nicht zu seinem signierten Prüfpunkt: Er wurde verändert oder beschädigt.',
    en: 'A part of the public log does not match its signed checkpoint: it was altered or damaged.',
  },
  'errors.ERR_TLOG_PATH_INVALID': {
    de: 'Diese Adresse im öffentlichen Protokoll gibt es nicht.',
    en: 'There is no such address in the public log.',
  },
  'errors.ERR_TLOG_BUNDLE_INVALID': {
    de: 'Ein Block von Protokolleinträgen ist nicht richtig aufgebaut.',
    en: 'A bundle of log entries is not well-formed.',
  },
  'errors.ERR_NOTE_MALFORMED': {
    de: 'Die signierte Notiz ist nicht richtig aufgebaut.',
    en: 'The signed note is not well-formed.',
  },
  'errors.ERR_NOTE_SIGNATURE_INVALID': {
    de: 'Die Signatur des öffentlichen Protokolls ist ungültig: Der Prüfpunkt wurde verändert.',
    en: 'The signature of the public log is invalid: its checkpoint was altered.',
  },
  'errors.ERR_NOTE_NO_TRUSTED_SIGNATURE': {
    de: 'Dieser Prüfpunkt ist nicht mit dem bekannten Schlüssel des Protokolls signiert.',
    en: 'This checkpoint is not signed with the known key of the log.',
  },
  'errors.ERR_CHECKPOINT_MALFORMED': {
    de: 'Der Prüfpunkt des öffentlichen Protokolls ist nicht richtig aufgebaut.',
    en: 'The checkpoint of the public log is not well-formed.',
  },
  'errors.ERR_CHECKPOINT_ORIGIN_MISMATCH': {
    de: 'Dieser Prüfpunkt gehört zu einem anderen Protokoll.',
    en: 'This checkpoint belongs to a different log.',
  },
  'errors.ERR_CHECKPOINT_SHRUNK': {
    de: 'Das öffentliche Protokoll ist kleiner geworden: Einträge wurden entfernt. Bitte melden Sie das.',
    en: 'The public log has shrunk: entries were removed. Please report this.',
  },
  'errors.ERR_CHECKPOINT_FORK': {
    de: 'Das öffentliche Protokoll zeigt bei gleicher Größe zwei verschiedene Prüfpunkte: Es wurde umgeschrieben. Bitte melden Sie das.',
    en: 'The public log shows two different checkpoints of the same size: it was rewritten. Please report this.',
  },
  'errors.ERR_RECEIPT_INVALID': {
    de: 'Die Quittung ist ungültig oder gehört zu einer anderen Nachricht.',
    en: 'The receipt is invalid or belongs to another message.',
  },
  'errors.ERR_LOG_ENTRY_INVALID': {
    de: 'Der Protokolleintrag ist nicht richtig aufgebaut.',
    en: 'The log entry is not well-formed.',
  },
  'errors.ERR_CONTENT_TYPE_UNSUPPORTED': {
    de: 'Der Inhaltstyp der Anfrage wird hier nicht angenommen.',
    en: "The request's content type is not accepted here.",
  },
  'errors.ERR_AUTH_MISSING': {
    de: 'Die Anfrage ist nicht signiert.',
    en: 'The request is not signed.',
  },
  'errors.ERR_REQUEST_MISMATCH': {
    de: 'Die Signatur gilt für eine andere Anfrage.',
    en: 'The signature belongs to a different request.',
  },
  'errors.ERR_NOT_AUTHORISED': {
    de: 'Sie dürfen diese Aktion nicht ausführen.',
    en: 'You may not do this.',
  },
  'errors.ERR_QUERY_INVALID': {
    de: 'Die Anfrage enthält ungültige Angaben.',
    en: 'The request contains invalid parameters or an invalid body.',
  },
  'errors.ERR_RESOURCE_NOT_FOUND': {
    de: 'Das Gesuchte wurde nicht gefunden.',
    en: 'What you asked for was not found.',
  },
  'errors.ERR_COMPANY_UNKNOWN': {
    de: 'Dieses Unternehmen ist nicht registriert.',
    en: 'This company is not registered.',
  },
  'errors.ERR_COMPANY_NOT_ACTIVE': {
    de: 'Dieses Unternehmen ist derzeit nicht freigeschaltet.',
    en: 'This company is not active at the moment.',
  },
  'errors.ERR_COMPANY_KEY_CONFLICT': {
    de: 'Diese Schlüsseländerung ist nicht möglich.',
    en: 'This change of keys is not possible.',
  },
  'errors.ERR_COMPANY_KEY_UNKNOWN': {
    de: 'Das Unternehmen hat keinen solchen Schlüssel.',
    en: 'The company holds no such key.',
  },
  'errors.ERR_ORIGIN_NOT_ALLOWED': {
    de: 'Diese Domain kann hier nicht registriert werden.',
    en: 'This domain cannot be registered here.',
  },
  'errors.ERR_DOMAIN_PROOF_FAILED': {
    de: 'Der Nachweis der Domain ist fehlgeschlagen.',
    en: 'The proof of the domain failed.',
  },
  'errors.ERR_PURPOSE_NOT_DECLARED': {
    de: 'Das Unternehmen hat diesen Zweck nicht angemeldet.',
    en: 'The company has not declared this purpose.',
  },
  'errors.ERR_GRANT_REQUEST_UNKNOWN': {
    de: 'Die zugehörige Anfrage des Unternehmens ist unbekannt.',
    en: "The company's request this answers is not known.",
  },
  'errors.ERR_GRANT_REQUEST_VOIDED': {
    de: 'Diese Anfrage ist ungültig: Das Unternehmen hat den Schlüssel, mit dem sie unterschrieben ist, als kompromittiert gemeldet. Sie kann nicht mehr beantwortet werden; das Unternehmen muss neu fragen.',
    en: 'This request is void: the company declared the key it was signed with compromised. It can no longer be answered; the company has to ask again.',
  },
  'errors.ERR_SCOPE_WIDER_THAN_REQUESTED': {
    de: 'Die Einwilligung geht über die Anfrage hinaus.',
    en: 'The consent goes beyond what was asked for.',
  },
  'errors.ERR_PSEUDONYM_KEY_REQUIRED': {
    de: 'Die erste Nachricht eines Pseudonyms muss seinen Schlüssel enthalten.',
    en: 'The first message of a pseudonym must carry its key.',
  },
  'errors.ERR_PSEUDONYM_KEY_MISMATCH': {
    de: 'Der Schlüssel passt nicht zu diesem Pseudonym.',
    en: 'The key does not belong to this pseudonym.',
  },
  'errors.ERR_PSEUDONYM_COMPANY_MISMATCH': {
    de: 'Dieses Pseudonym gehört zu einem anderen Unternehmen.',
    en: 'This pseudonym belongs to another company.',
  },
  'errors.ERR_PSEUDONYM_UNKNOWN': {
    de: 'Dieses Pseudonym ist nicht bekannt.',
    en: 'This pseudonym is not known.',
  },
  'errors.ERR_ASK_AGAIN_LATER': {
    de: 'Die Person hat gebeten, erst später wieder gefragt zu werden.',
    en: 'The person asked not to be asked again before a later date.',
  },
  'errors.ERR_GRANT_UNKNOWN': {
    de: 'Die genannte Einwilligung ist nicht bekannt.',
    en: 'The consent named is not known.',
  },
  'errors.ERR_REVOCATION_UNKNOWN': {
    de: 'Der genannte Widerruf ist nicht bekannt.',
    en: 'The revocation named is not known.',
  },
  'errors.ERR_REVOCATION_ALREADY_ACKED': {
    de: 'Dieser Widerruf wurde bereits bestätigt.',
    en: 'This revocation was acknowledged before.',
  },
  'errors.ERR_ENROLMENT_UNKNOWN': {
    de: 'Dieser Anmeldelink ist nicht gültig. Bitten Sie um einen neuen.',
    en: 'This enrolment link is not valid. Please ask for a new one.',
  },
  'errors.ERR_ENROLMENT_EXPIRED': {
    de: 'Dieser Anmeldelink ist abgelaufen. Bitten Sie um einen neuen.',
    en: 'This enrolment link has expired. Please ask for a new one.',
  },
  'errors.ERR_ENROLMENT_USED': {
    de: 'Dieser Anmeldelink wurde bereits benutzt. Jeder Link gilt nur einmal.',
    en: 'This enrolment link has been used already. Each link works only once.',
  },
  'errors.ERR_WEBAUTHN_CHALLENGE_UNKNOWN': {
    de: 'Der Vorgang hat zu lange gedauert. Bitte versuchen Sie es noch einmal.',
    en: 'This took too long. Please try again.',
  },
  'errors.ERR_WEBAUTHN_FAILED': {
    de: 'Ihr Passkey konnte nicht bestätigt werden.',
    en: 'Your passkey could not be confirmed.',
  },
  'errors.ERR_PERSON_UNKNOWN': {
    de: 'Diese Person ist hier nicht (mehr) eingetragen.',
    en: 'This person is not (or no longer) enrolled here.',
  },
  'errors.ERR_WEBHOOK_DELIVERY_FAILED': {
    de: 'Das Ereignis konnte nicht an die Webhook-Adresse des Unternehmens zugestellt werden.',
    en: "The event could not be delivered to the company's webhook URL.",
  },
  'errors.ERR_PROFILE_INVALID': {
    de: 'Diese Einstellungen sind nicht gültig.',
    en: 'These settings are not valid.',
  },
  'errors.ERR_PROFILE_CHANGED': {
    de: 'Ihr Profil wurde inzwischen an anderer Stelle geändert, zum Beispiel beim Zulassen von Kanälen mit einer Einwilligung. Ihre Änderungen wurden nicht gespeichert.',
    en: 'Your profile was changed elsewhere in the meantime, for example by allowing channels along with a consent. Your changes were not saved.',
  },
  'errors.ERR_VAULT_ABSENT': {
    de: 'Es gibt noch keinen Tresor. Richten Sie den Assistenten zuerst ein.',
    en: 'There is no vault yet. Set up the Assistant first.',
  },
  'errors.ERR_VAULT_EXISTS': {
    de: 'Es gibt bereits einen Tresor. Löschen Sie ihn zuerst, wenn Sie neu beginnen möchten.',
    en: 'A vault already exists. Wipe it first if you want to start over.',
  },
  'errors.ERR_VAULT_LOCKED': {
    de: 'Der Tresor ist gesperrt. Bitte entsperren Sie ihn mit Ihrer Passphrase.',
    en: 'The vault is locked. Please unlock it with your passphrase.',
  },
  'errors.ERR_VAULT_PASSPHRASE_WRONG': {
    de: 'Die Passphrase ist falsch. Es wurde nichts verändert.',
    en: 'The passphrase is wrong. Nothing was changed.',
  },
  'errors.ERR_VAULT_PASSPHRASE_WEAK': {
    de: 'Diese Passphrase ist zu schwach. Nehmen Sie mindestens 10 Zeichen, nicht nur Leerzeichen, besser mehrere Wörter.',
    en: 'This passphrase is too weak. Use at least 10 characters, not only spaces, better several words.',
  },
  'errors.ERR_VAULT_RECORD_DAMAGED': {
    de: 'Ein Eintrag im Tresor ist beschädigt oder wurde verändert. Er bleibt unverändert erhalten.',
    en: 'An entry in the vault is damaged or was altered. It is kept as it is.',
  },
  'errors.ERR_VAULT_SCHEMA_UNSUPPORTED': {
    de: 'Dieser Tresor stammt aus einer neueren Version des Assistenten.',
    en: 'This vault was written by a newer version of the Assistant.',
  },
  'errors.ERR_VAULT_BACKUP_INVALID': {
    de: 'Diese Datei ist keine gültige Sicherung oder wurde verändert.',
    en: 'This file is not a valid backup, or it was altered.',
  },
  'errors.ERR_VAULT_STORAGE_FAILED': {
    de: 'Der Browser konnte den Tresor nicht speichern. Es wurde nichts verändert.',
    en: 'The browser could not store the vault. Nothing was changed.',
  },
  'errors.ERR_VAULT_REPLACED': {
    de: 'Während dies lief, wurde eine Sicherung wiederhergestellt und hat die Daten des Assistenten ersetzt. Was dabei gespeichert werden sollte, wurde nicht in die wiederhergestellten Daten übernommen. Bitte versuchen Sie es erneut.',
    en: "While this was under way, a backup was restored and replaced the Assistant's data. What it would have stored was not put into the restored data. Please try again.",
  },
  'errors.ERR_CLEARINGHOUSE_UNREACHABLE': {
    de: 'Die Clearingstelle ist nicht erreichbar. Bitte versuchen Sie es später erneut.',
    en: 'The clearinghouse cannot be reached. Please try again later.',
  },
  'errors.ERR_BRIDGE_ORIGIN_MISMATCH': {
    de: 'Diese Seite gehört nicht zu dem Unternehmen, das um Ihre Einwilligung bittet.',
    en: 'This page does not belong to the company asking for your consent.',
  },
  'errors.ERR_BRIDGE_BUSY': {
    de: 'Auf dieser Seite ist schon eine Anfrage offen. Bitte beantworten Sie zuerst diese.',
    en: 'A request from this page is already open. Please answer that one first.',
  },
  'errors.ERR_ASSISTANT_SILENT': {
    de: 'Ihr Assistent antwortet nicht mehr (er wurde vielleicht entfernt, ausgeschaltet oder aktualisiert). Ob Ihre Antwort ihn erreicht hat, ist unbekannt: Sehen Sie in Ihrem Assistenten nach, laden Sie diese Seite neu und versuchen Sie es dann erneut.',
    en: 'Your Assistant stopped answering (it may have been removed, switched off or updated). Whether your answer reached it is unknown: check your Assistant, reload this page, then try again.',
  },
  'errors.ERR_COMPANY_DOMAIN_UNVERIFIED': {
    de: 'Die Clearingstelle hat die Website dieses Unternehmens noch nicht bestätigt.',
    en: "The clearinghouse has not yet confirmed this company's website.",
  },
  'errors.ERR_COMPANY_BLACKLISTED': {
    de: 'Sie haben dieses Unternehmen auf Ihre schwarze Liste gesetzt.',
    en: 'You have put this company on your blacklist.',
  },
  'errors.ERR_WALLET_REQUEST_UNKNOWN': {
    de: 'Diese Anfrage ist nicht mehr offen.',
    en: 'This request is no longer open.',
  },
  // What the dashboard's "Open request" was given is neither a link with
  // /api/v1/grant-requests/<id> nor the bare id of a QR code (protocol/connect `requestHashOf`,
  // 43 characters); the view says it at the field before sending, the service if asked anyway.
  'errors.ERR_REQUEST_LINK_INVALID': {
    de: 'Das ist weder ein Anfrage-Link noch die Kennung aus dem QR-Code eines Unternehmens. Fügen Sie den ganzen Link ein (er enthält /api/v1/grant-requests/) oder nur die Kennung: die 43 Zeichen nach grant-requests/.',
    en: "This is not a request link or the id from a company's QR code. Paste the whole link (it contains /api/v1/grant-requests/) or only the id: the 43 characters after grant-requests/.",
  },
  'errors.ERR_WALLET_CHOICE_INVALID': {
    de: 'Ihre Auswahl passt nicht zur Anfrage. Bitte wählen Sie mindestens einen Zweck und einen Kanal.',
    en: 'Your choice does not fit the request. Please choose at least one purpose and one channel.',
  },
  // The wallet sends no logged message before it has pinned the log key (extension/core/wallet).
  'errors.ERR_LOG_KEY_NOT_PINNED': {
    de: 'Nichts wurde gesendet: Der Assistent konnte den Protokollschlüssel der Clearingstelle noch nicht bestätigen. Prüfen Sie die Adresse der Clearingstelle in den Einstellungen und versuchen Sie es erneut, sobald die Clearingstelle erreichbar ist.',
    en: "Nothing was sent: the Assistant could not yet confirm the clearinghouse's log key. Check the clearinghouse address in the settings and try again once the clearinghouse can be reached.",
  },
  'errors.ERR_RECEIPT_TIMEOUT': {
    de: 'Die Quittung ist noch nicht da. Der Assistent versucht es später erneut.',
    en: 'The receipt has not arrived yet. The Assistant will try again later.',
  },
  'errors.ERR_RATE_LIMITED': {
    de: 'Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es dann erneut.',
    en: 'Too many requests in a short time. Please wait a moment, then try again.',
  },
  'errors.ERR_OFFER_NOT_COVERED': {
    de: 'Keine gültige Einwilligung erlaubt dieses Angebot für diesen Zweck und Kanal jetzt. Es wurde nicht zugestellt.',
    en: 'No valid consent allows this offer for this purpose and channel now. It was not delivered.',
  },
  'errors.ERR_INBOX_FULL': {
    de: 'Im Eingang dieses Kunden warten schon zu viele nicht abgeholte Belohnungen Ihres Unternehmens. Senden Sie weitere, wenn er sie abgeholt hat.',
    en: "This customer's inbox already holds too many of your company's rewards not yet fetched. Send more once they have been fetched.",
  },
  'errors.ERR_CONTACT_CAP_EXCEEDED': {
    de: 'Die vereinbarte Höchstzahl an Kontakten in sieben Tagen ist erreicht. Das Angebot wurde nicht zugestellt.',
    en: 'The agreed maximum number of contacts in seven days has been reached. The offer was not delivered.',
  },
} as const satisfies Record<`errors.${ProtocolErrorCode}`, Entry>;
