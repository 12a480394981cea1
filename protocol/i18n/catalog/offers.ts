import type { Entry } from '../index';

/**
 * Text of the Assistant's offers view, complaint drafts and rewards (issue 8, "In the
 * extension"). The reasons' sentences are in ./filter.
 */
export const offers = {
  'extension.dashboard.nav.offers': { de: 'Angebote', en: 'Offers' },
  'extension.offers.title': { de: 'Ihre Angebote', en: 'Your offers' },
  'extension.offers.intro': {
    de: 'Angebote erreichen Sie nur über Ihren Assistenten. Er zeigt, was zu Ihrem Profil und Ihren Einwilligungen passt, und sagt bei jedem Angebot, warum.',
    en: 'Offers reach you only through your Assistant. It shows what fits your profile and your consents, and says why for every offer.',
  },
  'extension.offers.sync': { de: 'Jetzt abrufen', en: 'Check now' },
  'extension.offers.syncing': { de: 'Wird abgerufen …', en: 'Checking …' },
  'extension.offers.offline': {
    de: 'Die Clearingstelle ist gerade nicht erreichbar. Sie sehen, was Ihr Tresor enthält; neue Angebote kommen beim nächsten Abruf.',
    en: 'The clearinghouse cannot be reached right now. You see what your vault holds; new offers arrive with the next check.',
  },
  'extension.offers.notifyMore': {
    de: {
      one: '{count} weiteres Angebot wartet im Assistenten.',
      other: '{count} weitere Angebote warten im Assistenten.',
    },
    en: {
      one: '{count} more offer is waiting in the Assistant.',
      other: '{count} more offers are waiting in the Assistant.',
    },
  },
  'extension.offers.tab.delivered': { de: 'Zugestellt ({count})', en: 'Delivered ({count})' },
  // The same words for a held offer as /me's (./me `portal.me.offers`): it waits for its time.
  'extension.offers.tab.held': {
    de: 'Auf später verschoben ({count})',
    en: 'Waiting for later ({count})',
  },
  'extension.offers.tab.hidden': { de: 'Ausgeblendet ({count})', en: 'Hidden ({count})' },
  'extension.offers.tab.complaints': {
    de: 'Beschwerden ({count})',
    en: 'Complaints ({count})',
  },
  'extension.offers.tab.rejected': {
    de: 'Abgelehnte Prämien ({count})',
    en: 'Rejected rewards ({count})',
  },
  'extension.offers.rejected.intro': {
    de: 'Prämien, die Ihr Assistent abgelehnt hat, weil sie sich nicht prüfen ließen. Sie stehen nicht in Ihrem Prämienkonto; jede wird als Beleg aufbewahrt.',
    en: 'Rewards your Assistant rejected because they did not check out. They are not in your rewards ledger; each is kept as evidence.',
  },
  'extension.offers.rejected.item': {
    de: 'Eine Prämie von {company} wurde am {date} abgelehnt. Grund: {reason}',
    en: 'A reward from {company} was rejected on {date}. Reason: {reason}',
  },
  'extension.offers.draftsNotKept': {
    de: {
      one: 'Beim letzten Abruf ließ sich {count} Verstoß nicht als Beschwerdeentwurf aufnehmen: Die Liste der Entwürfe ist voll oder lässt sich nicht lesen. Reichen Sie Entwürfe unter „Beschwerden“ ein oder verwerfen Sie sie, um Platz zu schaffen. Das betroffene Angebot bleibt mit dem Grund unter „Ausgeblendet“.',
      other:
        'Beim letzten Abruf ließen sich {count} Verstöße nicht als Beschwerdeentwürfe aufnehmen: Die Liste der Entwürfe ist voll oder lässt sich nicht lesen. Reichen Sie Entwürfe unter „Beschwerden“ ein oder verwerfen Sie sie, um Platz zu schaffen. Die betroffenen Angebote bleiben mit dem Grund unter „Ausgeblendet“.',
    },
    en: {
      one: 'The last check could not keep {count} breach as a complaint draft: the list of drafts is full or cannot be read. Submit or discard drafts under “Complaints” to make room. The offers concerned stay under “Hidden” with the reason.',
      other:
        'The last check could not keep {count} breaches as complaint drafts: the list of drafts is full or cannot be read. Submit or discard drafts under “Complaints” to make room. The offers concerned stay under “Hidden” with the reason.',
    },
  },
  // Each tab's sentence while it lists nothing: what would be there, and why it may be empty.
  'extension.offers.empty.delivered': {
    de: 'Noch keine zugestellten Angebote. Hier erscheinen Angebote von Unternehmen, denen Sie eine Einwilligung gegeben haben, sobald sie zu Ihrer Einwilligung, Ihrem Profil und Ihren Einstellungen passen. Neue holt „Jetzt abrufen“.',
    en: 'No offers delivered yet. Offers from companies you gave consent to appear here once they fit your consent, your profile and your settings. “Check now” fetches new ones.',
  },
  'extension.offers.empty.held': {
    de: 'Kein Angebot wartet. Hier warten passende Angebote während Ihrer Ruhezeiten, außerhalb der Zeiten, die Ihre Einwilligung erlaubt, oder wenn Sie diese Woche schon so viele erhalten haben, wie Sie möchten. Wenn es so weit ist, stehen sie unter „Zugestellt“.',
    en: 'No offers are waiting. Offers that fit wait here during your quiet hours, outside the times your consent allows, or once you have had as many this week as you want. When their time comes, they move to “Delivered”.',
  },
  'extension.offers.empty.hidden': {
    de: 'Keine ausgeblendeten Angebote. Hier stünden Angebote, die Ihre Einwilligung nicht abdeckt, die von einem Unternehmen oder einer Marke auf Ihrer Sperrliste kommen, die nicht zu Ihren Interessen passen oder die sich nicht öffnen oder prüfen ließen, jeweils mit dem Grund.',
    en: 'No hidden offers. Offers your consent does not cover, from a company or brand on your blacklist, that do not fit your interests, or that could not be opened or checked would be here, each with the reason.',
  },
  'extension.offers.empty.complaints': {
    de: 'Keine Beschwerden. Verstößt ein Angebot gegen Ihre Einwilligung oder die Regeln, entwirft Ihr Assistent hier eine Beschwerde, die Sie prüfen und einreichen können. Auch Ihre eigenen Beschwerden über ein Angebot stehen hier.',
    en: 'No complaints. When an offer breaks your consent or the rules, your Assistant drafts a complaint here for you to check and submit. Complaints you make about an offer yourself are listed here too.',
  },
  'extension.offers.empty.rejected': {
    de: 'Keine abgelehnten Prämien: Jede Prämie, die Sie bisher erhalten haben, ließ sich prüfen, oder es kam noch keine.',
    en: 'No rejected rewards: every reward sent to you so far checked out, or none has come yet.',
  },
  'extension.offers.brand': { de: 'von {brand}', en: 'from {brand}' },
  'extension.offers.brandBy': {
    de: 'von {brand}, gesendet von {company}',
    en: 'from {brand}, sent by {company}',
  },
  'extension.offers.brandUnregistered': {
    de: 'Marke nicht von diesem Unternehmen angemeldet',
    en: 'brand not registered by this company',
  },
  'extension.offers.validUntil': { de: 'gültig bis {date}', en: 'valid until {date}' },
  'extension.offers.advertisement': { de: 'Werbung', en: 'Advertisement' },
  'extension.offers.link': { de: 'Zum Angebot', en: 'Go to the offer' },
  'extension.offers.showAnyway': { de: 'Trotzdem anzeigen', en: 'Show anyway' },
  'extension.offers.unreadable': {
    de: 'Dieses Angebot ließ sich nicht öffnen oder prüfen. Grund: {reason}',
    en: 'This offer could not be opened or verified. Reason: {reason}',
  },
  'extension.offers.feedback.label': {
    de: 'Ihre Rückmeldung (bleibt auf Ihrem Gerät)',
    en: 'Your feedback (stays on your device)',
  },
  'extension.offers.feedback.opened': { de: 'Geöffnet', en: 'Opened' },
  'extension.offers.feedback.liked': { de: 'Gefällt mir', en: 'Like' },
  'extension.offers.feedback.dismissed': { de: 'Kein Interesse', en: 'Not interested' },
  'extension.offers.feedback.blocked': { de: 'Diese Marke nicht', en: 'Not this brand' },
  'extension.offers.feedback.ignored': { de: 'Ignorieren', en: 'Ignore' },
  'extension.offers.feedback.given': {
    de: 'Ihre Rückmeldung: {feedback}',
    en: 'Your feedback: {feedback}',
  },
  'extension.offers.unsubscribe': { de: 'Abmelden', en: 'Unsubscribe' },
  'extension.offers.unsubscribe.confirm': {
    de: 'Abmelden widerruft Ihre Einwilligung für „{purpose}“ bei diesem Unternehmen auf allen Kanälen. Fortfahren?',
    en: 'Unsubscribing revokes your consent for “{purpose}” with this company on every channel. Continue?',
  },
  // "Not this brand" put the brand on the blacklist, for the offer's company only.
  'extension.offers.blocked.done': {
    de: '{brand} steht jetzt auf Ihrer Sperrliste, nur für Angebote von {company}: Neue Angebote dieser Marke werden ausgeblendet. Unter „Sperrliste“ können Sie das wieder aufheben.',
    en: '{brand} is now on your blacklist, for offers from {company} only: new offers of this brand will be hidden. You can undo this under “Blacklist”.',
  },
  'extension.offers.unsubscribe.done': {
    de: 'Abgemeldet: Die Einwilligung für diesen Zweck ist widerrufen.',
    en: 'Unsubscribed: the consent for this purpose is revoked.',
  },
  'extension.offers.companies.title': {
    de: 'Unternehmen, die Sie wegklicken',
    en: 'Companies you keep turning away',
  },
  'extension.offers.suggestion.coolDown': {
    de: 'Von den letzten {of} Angeboten von {company} haben Sie {negatives} ignoriert oder abgelehnt. Eine Pause?',
    en: 'You ignored or turned down {negatives} of the last {of} offers from {company}. Take a break from them?',
  },
  'extension.offers.suggestion.refuse': {
    de: 'Von den letzten {of} Angeboten von {company} haben Sie {negatives} abgelehnt oder ignoriert. Möchten Sie Ihre Einwilligung widerrufen oder eine Pause einlegen?',
    en: 'You turned down or ignored {negatives} of the last {of} offers from {company}. Revoke your consent, or take a break from them?',
  },
  'extension.offers.suggestion.days': { de: 'Tage', en: 'Days' },
  'extension.offers.suggestion.pause': {
    de: { one: '{count} Tag pausieren', other: '{count} Tage pausieren' },
    en: { one: 'Pause for {count} day', other: 'Pause for {count} days' },
  },
  // The same button while the days typed are not a number of days it can pause for.
  'extension.offers.suggestion.pauseInvalid': {
    de: '… Tage pausieren',
    en: 'Pause for … days',
  },
  'extension.offers.suggestion.refuseButton': {
    de: 'Einwilligung widerrufen',
    en: 'Revoke my consent',
  },
  'extension.offers.suggestion.dismiss': {
    de: 'Weiter erhalten',
    en: 'Keep receiving',
  },
  'extension.offers.pause.until': {
    de: '{company} ist bis {date} pausiert.',
    en: '{company} is paused until {date}.',
  },
  'extension.offers.pause.resume': { de: 'Pause beenden', en: 'End the pause' },
  'extension.offers.pause.done': {
    de: 'Angebote von {company} sind bis {date} pausiert. Danach kommen sie von selbst wieder.',
    en: 'Offers from {company} are paused until {date}. After that they come through again by themselves.',
  },
  'extension.offers.resume.done': {
    de: 'Die Pause für {company} ist beendet.',
    en: 'The pause for {company} has ended.',
  },
  'extension.offers.dismiss.done': {
    de: 'Sie erhalten weiter Angebote von {company}. Wir fragen erst wieder, wenn neue Angebote ebenso unbeachtet bleiben.',
    en: 'You keep receiving offers from {company}. We only ask again if new offers go unanswered the same way.',
  },
  'extension.offers.refuse.confirm': {
    de: 'Damit widerrufen Sie alle Einwilligungen für {company}. Das Unternehmen darf Sie dann nicht mehr ansprechen. Fortfahren?',
    en: 'This revokes every consent you gave {company}. The company may then no longer contact you. Continue?',
  },
  'extension.offers.refuse.done': {
    de: 'Ihre Einwilligungen für {company} sind widerrufen.',
    en: 'Your consents for {company} are revoked.',
  },
  // Under "Complaints": what the list does not hold (OffersView.svelte says why).
  'extension.offers.complaint.notRecovered': {
    de: 'Eine Wiederherstellung mit der Wiederherstellungsphrase bringt Ihre eingereichten Beschwerden zurück, auch die von einem anderen Gerät, außer denen, von denen die Clearingstelle keine Kopie mehr hat oder die sich nicht als Ihre prüfen ließen. Die Clearingstelle zeigt alle Ihre Beschwerden und ihre Entscheidungen auf ihrer Seite „Meine Daten“.',
    en: 'A recovery with your recovery phrase brings back the complaints you submitted, those from another device too, except any whose copy the clearinghouse no longer has or that could not be checked as yours. The clearinghouse shows all your complaints and their decisions on its “My data” page.',
  },
  'extension.offers.complaint.title': {
    de: 'Beschwerde gegen {company}',
    en: 'Complaint against {company}',
  },
  'extension.offers.complaint.intro': {
    de: 'Diese Angebote verstießen gegen Ihre Einwilligung oder die Regeln. Das signierte Angebot ist der Beleg. Prüfen Sie die Beschwerde und reichen Sie sie bei der Aufsicht ein.',
    en: 'These offers broke your consent or the rules. The signed offer is the evidence. Review the complaint and submit it to the regulator.',
  },
  'extension.offers.complaint.reasons': {
    de: 'Vorwurf: {reasons}',
    en: 'What was wrong: {reasons}',
  },
  'extension.offers.complaint.evidence': {
    de: {
      one: 'Beleg: {count} signierte Nachricht des Unternehmens',
      other: 'Beleg: {count} signierte Nachrichten des Unternehmens',
    },
    en: {
      one: 'Evidence: {count} signed message of the company',
      other: 'Evidence: {count} signed messages of the company',
    },
  },
  'extension.offers.complaint.comment': {
    de: 'Ihre Anmerkung (freiwillig)',
    en: 'Your comment (optional)',
  },
  'extension.offers.complaint.submit': { de: 'Beschwerde einreichen', en: 'Submit complaint' },
  'extension.offers.complaint.discard': { de: 'Verwerfen', en: 'Discard' },
  // {date}: when the clearinghouse's receipt was stored (the draft's `submittedAt`).
  'extension.offers.complaint.submittedOn': {
    de: 'Eingereicht am {date} (Beleg-Nr. {sha256}).',
    en: 'Submitted on {date} (reference {sha256}).',
  },
  // A complaint submitted before its submission time was kept: {date} is when its draft was
  // first written (`createdAt`), which may be long before it was submitted.
  'extension.offers.complaint.submitted': {
    de: 'Eingereicht (Beleg-Nr. {sha256}; zuerst verfasst am {date}).',
    en: 'Submitted (reference {sha256}; first written on {date}).',
  },
  'extension.offers.complaint.discarded': { de: 'Verworfen.', en: 'Discarded.' },
  'extension.offers.complaint.failed': {
    de: 'Nicht eingereicht: {error}',
    en: 'Not submitted: {error}',
  },
  'extension.offers.complaint.pending': {
    de: 'Eingereicht, die Antwort der Clearingstelle steht aus. Der Assistent sendet dieselbe Beschwerde beim nächsten Abruf erneut.',
    en: 'Submitted; the clearinghouse has not answered yet. The Assistant sends the same complaint again with the next check.',
  },
  // Under way, and no answer came (extension/ui/dashboard/complaint-outcome `underWayOutcome`):
  // right after the customer's own complaint and as its note under "Complaints".
  'extension.offers.complaint.unreachable': {
    de: 'Die Clearingstelle war nicht erreichbar. Die Beschwerde ist signiert und gespeichert; der Assistent sendet dieselbe Beschwerde beim nächsten Abruf erneut.',
    en: 'The clearinghouse could not be reached. The complaint is signed and kept; the Assistant sends the same complaint again with the next check.',
  },
  // Under way, and the clearinghouse (or a gateway before it) answered 429 or 5xx: it was
  // reached (extension/ui/dashboard/complaint-outcome `underWayOutcome`).
  'extension.offers.complaint.busy': {
    de: 'Die Clearingstelle hat geantwortet: Sie ist ausgelastet oder gestört und hat die Beschwerde vorerst nicht angenommen. Der Assistent sendet dieselbe Beschwerde beim nächsten Abruf erneut.',
    en: 'The clearinghouse answered but did not take the complaint for now: it is busy or has a fault. The Assistant sends the same complaint again with the next check.',
  },
  // Busy, and the answer said how long to wait (429/503 `Retry-After`, kept as the complaint's
  // `retryAt`): {count} minutes left at the listing's time, rounded up.
  'extension.offers.complaint.busyWait': {
    de: {
      one: 'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat die Beschwerde vorerst nicht angenommen und bittet, etwa {count} Minute zu warten. Der Assistent sendet dieselbe Beschwerde beim ersten Abruf danach erneut.',
      other:
        'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat die Beschwerde vorerst nicht angenommen und bittet, etwa {count} Minuten zu warten. Der Assistent sendet dieselbe Beschwerde beim ersten Abruf danach erneut.',
    },
    en: {
      one: 'The clearinghouse answered but did not take the complaint for now: it is busy and asks to wait about {count} minute. The Assistant sends the same complaint again with the first check after that.',
      other:
        'The clearinghouse answered but did not take the complaint for now: it is busy and asks to wait about {count} minutes. The Assistant sends the same complaint again with the first check after that.',
    },
  },
  'extension.offers.complaint.auto': {
    de: 'Beschwerden ohne Rückfrage einreichen',
    en: 'Submit complaints without asking me',
  },
  'extension.offers.complaint.reason.not_covered': {
    de: 'ohne gültige Einwilligung',
    en: 'not covered by a valid consent',
  },
  'extension.offers.complaint.reason.wrong_channel': {
    de: 'über einen nicht erlaubten Kanal',
    en: 'over a channel not allowed',
  },
  'extension.offers.complaint.reason.outside_time_window': {
    de: 'außerhalb der erlaubten Zeiten',
    en: 'outside the allowed times',
  },
  'extension.offers.complaint.reason.contact_cap_exceeded': {
    de: 'über der erlaubten Anzahl Kontakte',
    en: 'over the allowed number of contacts',
  },
  'extension.offers.complaint.reason.after_revocation': {
    de: 'nach Ihrem Widerruf',
    en: 'after your revocation',
  },
  'extension.offers.complaint.reason.missing_unsubscribe': {
    de: 'ohne Abmeldemöglichkeit',
    en: 'without a way to unsubscribe',
  },
  'extension.offers.complaint.reason.missing_advertisement_label': {
    de: 'ohne Kennzeichnung als Werbung',
    en: 'without an advertisement label',
  },
  'extension.offers.complaint.reason.outer_inner_mismatch': {
    de: 'Umschlag und Inhalt widersprechen sich',
    en: 'envelope and content disagree',
  },
  'extension.offers.complaint.reason.misleading': {
    de: 'irreführend',
    en: 'misleading',
  },
  'extension.offers.complaint.reason.undisclosed_data': {
    de: 'mit Daten, die das Unternehmen nicht offengelegt hat',
    en: 'using data the company did not disclose',
  },
  'extension.offers.complaint.reason.unlawful_onward_transfer': {
    de: 'unzulässige Weitergabe Ihrer Daten',
    en: 'your data passed on unlawfully',
  },
  'extension.offers.complaint.reason.request_unanswered': {
    de: 'Ihre Anfrage blieb unbeantwortet',
    en: 'your request went unanswered',
  },
  'extension.offers.complaint.reason.other': { de: 'sonstiger Verstoß', en: 'another breach' },
  'extension.settings.filter.title': { de: 'Angebotsfilter', en: 'Offer filter' },
  'extension.settings.filter.reset': {
    de: 'Gelerntes vergessen',
    en: 'Forget what the filter learned',
  },
  'extension.settings.filter.resetHint': {
    de: 'Der Filter lernt nur aus Ihren Rückmeldungen, auf diesem Gerät. Zurücksetzen beginnt wieder bei Ihren Interessen im Profil.',
    en: 'The filter learns only from your feedback, on this device. Resetting starts again from the interests in your profile.',
  },
  'extension.settings.filter.resetDone': {
    de: 'Der Filter wurde zurückgesetzt.',
    en: 'The filter was reset.',
  },
  // `{count}` rewards in all; `{points}` is `rewards.points` with its own count.
  'extension.relationships.rewards': {
    de: {
      one: 'Prämien: {points}, {count} Prämie insgesamt',
      other: 'Prämien: {points}, {count} Prämien insgesamt',
    },
    en: {
      one: 'Rewards: {points}, {count} reward in all',
      other: 'Rewards: {points}, {count} rewards in all',
    },
  },
  'extension.relationships.rewards.points': {
    de: { one: '{count} Punkt', other: '{count} Punkte' },
    en: { one: '{count} point', other: '{count} points' },
  },
  'extension.relationships.rewards.discounts': {
    de: 'Gültige Rabatte: {discounts}',
    en: 'Valid discounts: {discounts}',
  },
  // One line per reward: what it is, then the company's own words (its `description`).
  'extension.relationships.reward.bonus_points': {
    de: { one: '{count} Punkt', other: '{count} Punkte' },
    en: { one: '{count} point', other: '{count} points' },
  },
  'extension.relationships.reward.bonus_points.noAmount': { de: 'Punkte', en: 'Points' },
  'extension.relationships.reward.discount': { de: '{amount} % Rabatt', en: '{amount}% discount' },
  'extension.relationships.reward.discount.noAmount': { de: 'Rabatt', en: 'Discount' },
  'extension.relationships.reward.status': { de: 'Status-Prämie', en: 'Status reward' },
  'extension.relationships.reward.tool_access': {
    de: 'Zugang zu Werkzeugen',
    en: 'Access to tools',
  },
  'extension.relationships.reward.co_determination': {
    de: 'Mitbestimmung',
    en: 'A say in decisions',
  },
  'extension.relationships.reward': {
    de: '{kind}: {description}',
    en: '{kind}: {description}',
  },
  'extension.relationships.reward.validUntil': {
    de: '{kind}: {description} (gültig bis {date})',
    en: '{kind}: {description} (valid until {date})',
  },
  'extension.relationships.reward.expired': {
    de: '{kind}: {description} (abgelaufen am {date})',
    en: '{kind}: {description} (expired on {date})',
  },
  'extension.relationships.reward.received': { de: 'erhalten am {date}', en: 'received {date}' },
  'extension.relationships.rewards.latest': {
    de: 'Ihre letzten Prämien',
    en: 'Your latest rewards',
  },
  'extension.relationships.rewards.more': {
    de: 'und {count} ältere',
    en: 'and {count} more',
  },
  // The customer's own complaint about a disclosure (RelationshipsView): the reasons are
  // extension/core/complaints `disclosureComplaintReasons`; submitted at once with the signed
  // disclosure as evidence, one complaint per disclosure. The comment's label, its bound, Cancel
  // and Submit are the offer complaint's (`extension.offers.complain.*`).
  'extension.relationships.complain': { de: 'Beschweren', en: 'Complain' },
  'extension.relationships.complain.about': {
    de: 'Über die Auskunft vom {date} beschweren',
    en: 'Complain about the disclosure of {date}',
  },
  'extension.relationships.complain.title': {
    de: 'Beschwerde über die Auskunft von {company}',
    en: 'Complaint about the disclosure from {company}',
  },
  'extension.relationships.complain.intro': {
    de: 'Sagen Sie, was an dieser Auskunft nicht stimmt. Der Assistent reicht Ihre Beschwerde gleich bei der Aufsicht ein, mit der signierten Auskunft als Beleg. Über jede Auskunft können Sie sich einmal beschweren.',
    en: 'Say what is wrong with this disclosure. The Assistant submits your complaint to the regulator at once, with the signed disclosure as evidence. You can complain once about each disclosure.',
  },
  'extension.relationships.complain.reasons': {
    de: 'Was stimmt nicht? (mindestens ein Grund)',
    en: 'What is wrong? (at least one reason)',
  },
  'extension.relationships.complain.reasonsMissing': {
    de: 'Bitte wählen Sie mindestens einen Grund.',
    en: 'Please choose at least one reason.',
  },
  'extension.relationships.complain.reason.not_covered': {
    de: 'Das Unternehmen hält Daten, nutzt sie für Zwecke oder speichert sie länger, als meine Einwilligung erlaubt – etwa Daten, die ich nie angegeben habe.',
    en: 'It holds data, uses it for purposes or keeps it for longer than my consent allows – such as data I never gave.',
  },
  'extension.relationships.complain.reason.unlawful_onward_transfer': {
    de: 'Es gibt meine Daten an Empfänger weiter, die meine Einwilligung nicht nennt.',
    en: 'It passes my data on to recipients my consent does not name.',
  },
  'extension.relationships.complain.reason.undisclosed_data': {
    de: 'Es hält Daten über mich, die in der Auskunft fehlen.',
    en: 'It holds data about me that the disclosure leaves out.',
  },
  'extension.relationships.complain.reason.misleading': {
    de: 'Die Auskunft ist falsch oder irreführend.',
    en: 'The disclosure is false or misleading.',
  },
  'extension.relationships.complain.reason.other': {
    de: 'Etwas anderes (bitte unten beschreiben)',
    en: 'Something else (please describe it below)',
  },
  'extension.relationships.complain.done': {
    de: 'Ihre Beschwerde über die Auskunft von {company} ist eingereicht. Sie finden sie mit Ihren anderen Beschwerden unter „Angebote“ › „Beschwerden“.',
    en: 'Your complaint about the disclosure from {company} is submitted. You find it with your other complaints under “Offers” › “Complaints”.',
  },
  // {date}: when the clearinghouse's receipt was stored (the draft's `submittedAt`).
  'extension.relationships.complain.submittedOn': {
    de: 'Sie haben sich über diese Auskunft beschwert (eingereicht am {date}).',
    en: 'You complained about this disclosure (submitted on {date}).',
  },
  // A complaint submitted before its submission time was kept: {date} is when it was first
  // written (its draft's `createdAt`); the submission may have come later (sent again) or after a
  // refused first attempt.
  'extension.relationships.complain.sent': {
    de: 'Sie haben sich über diese Auskunft beschwert (zuerst verfasst am {date}).',
    en: 'You complained about this disclosure (first written on {date}).',
  },
  'extension.relationships.complain.pending': {
    de: 'Die Clearingstelle war nicht erreichbar. Ihre Beschwerde über die Auskunft von {company} ist signiert und gespeichert; der Assistent sendet sie beim nächsten Abruf erneut.',
    en: 'The clearinghouse could not be reached. Your complaint about the disclosure from {company} is signed and kept; the Assistant sends it again with the next check.',
  },
  'extension.relationships.complain.underWay': {
    de: 'Ihre Beschwerde über diese Auskunft ist unterwegs: Die Clearingstelle hat sie noch nicht bestätigt, der Assistent sendet sie beim nächsten Abruf erneut.',
    en: 'Your complaint about this disclosure is on its way: the clearinghouse has not confirmed it yet, and the Assistant sends it again with the next check.',
  },
  // The note under the disclosure while its complaint is under way and no answer came (or a
  // gateway's 502/504: extension/ui/dashboard/complaint-outcome `underWayOutcome`).
  'extension.relationships.complain.underWayUnreachable': {
    de: 'Ihre Beschwerde über diese Auskunft ist signiert und gespeichert, aber noch nicht angekommen: Die Clearingstelle war nicht erreichbar; der Assistent sendet sie beim nächsten Abruf erneut.',
    en: 'Your complaint about this disclosure is signed and kept but has not arrived yet: the clearinghouse could not be reached; the Assistant sends it again with the next check.',
  },
  // The note under the disclosure while its complaint is under way and the clearinghouse (or a
  // gateway before it) answered 429 or 5xx (extension/ui/dashboard/complaint-outcome
  // `underWayOutcome`).
  'extension.relationships.complain.underWayBusy': {
    de: 'Ihre Beschwerde über diese Auskunft ist unterwegs: Die Clearingstelle ist ausgelastet oder gestört und hat sie vorerst nicht angenommen; der Assistent sendet sie beim nächsten Abruf erneut.',
    en: 'Your complaint about this disclosure is on its way: the clearinghouse answered that it is busy or has a fault and did not take it for now; the Assistant sends it again with the next check.',
  },
  // The same, and the answer said how long to wait (kept as the complaint's `retryAt`): {count}
  // minutes left at the listing's time, rounded up.
  'extension.relationships.complain.underWayBusyWait': {
    de: {
      one: 'Ihre Beschwerde über diese Auskunft ist unterwegs: Die Clearingstelle ist ausgelastet, hat sie vorerst nicht angenommen und bittet, etwa {count} Minute zu warten; der Assistent sendet sie beim ersten Abruf danach erneut.',
      other:
        'Ihre Beschwerde über diese Auskunft ist unterwegs: Die Clearingstelle ist ausgelastet, hat sie vorerst nicht angenommen und bittet, etwa {count} Minuten zu warten; der Assistent sendet sie beim ersten Abruf danach erneut.',
    },
    en: {
      one: 'Your complaint about this disclosure is on its way: the clearinghouse is busy, did not take it for now and asks to wait about {count} minute; the Assistant sends it again with the first check after that.',
      other:
        'Your complaint about this disclosure is on its way: the clearinghouse is busy, did not take it for now and asks to wait about {count} minutes; the Assistant sends it again with the first check after that.',
    },
  },
  // Under way: the clearinghouse (or a gateway before it) answered 429 or 5xx
  // (extension/ui/dashboard/complaint-outcome).
  'extension.relationships.complain.busy': {
    de: 'Die Clearingstelle hat geantwortet: Sie ist ausgelastet oder gestört und hat Ihre Beschwerde über die Auskunft von {company} vorerst nicht angenommen. Ihre Beschwerde ist signiert und gespeichert; der Assistent sendet sie beim nächsten Abruf erneut.',
    en: 'The clearinghouse answered but did not take your complaint about the disclosure from {company} for now: it is busy or has a fault. Your complaint is signed and kept; the Assistant sends it again with the next check.',
  },
  // Busy, and the answer said how long to wait (429/503 `Retry-After`, kept as the complaint's
  // `retryAt`): {count} minutes left, rounded up. The Assistant's checks do not send it before.
  'extension.relationships.complain.busyWait': {
    de: {
      one: 'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde über die Auskunft von {company} vorerst nicht angenommen und bittet, etwa {count} Minute zu warten. Ihre Beschwerde ist signiert und gespeichert; der Assistent sendet sie beim ersten Abruf danach erneut.',
      other:
        'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde über die Auskunft von {company} vorerst nicht angenommen und bittet, etwa {count} Minuten zu warten. Ihre Beschwerde ist signiert und gespeichert; der Assistent sendet sie beim ersten Abruf danach erneut.',
    },
    en: {
      one: 'The clearinghouse answered but did not take your complaint about the disclosure from {company} for now: it is busy and asks to wait about {count} minute. Your complaint is signed and kept; the Assistant sends it again with the first check after that.',
      other:
        'The clearinghouse answered but did not take your complaint about the disclosure from {company} for now: it is busy and asks to wait about {count} minutes. Your complaint is signed and kept; the Assistant sends it again with the first check after that.',
    },
  },
  // The complaint failed or only the listing after it did, and the list could not be read again.
  'extension.relationships.complain.unconfirmed': {
    de: 'Der Assistent konnte danach nicht lesen, ob Ihre Beschwerde eingereicht wurde. Sobald die Liste wieder gelesen werden kann, zeigt sie die Beschwerde, falls sie eingereicht wurde. Erneut einreichen schadet nicht: Eine zweite Beschwerde über dieselbe Auskunft weist der Assistent ab.',
    en: 'The Assistant could not read afterwards whether your complaint was submitted. Once the list can be read again, it shows the complaint if it was. Submitting it again does no harm: the Assistant refuses a second complaint about the same disclosure.',
  },
  'extension.relationships.complain.failed': {
    de: 'Ihre letzte Beschwerde über diese Auskunft wurde nicht eingereicht: {error}',
    en: 'Your last complaint about this disclosure was not submitted: {error}',
  },
  'extension.relationships.complain.duplicate': {
    de: 'Über diese Auskunft haben Sie sich schon beschwert. Der Assistent reicht je Auskunft eine Beschwerde ein; über eine neue Auskunft des Unternehmens können Sie sich wieder beschweren.',
    en: 'You have already complained about this disclosure. The Assistant submits one complaint per disclosure; you can complain again about a new disclosure from the company.',
  },
  'extension.offers.complaint.aboutDisclosure': {
    de: 'Über die Auskunft des Unternehmens, welche Daten es über Sie hält (siehe „Beziehungen“).',
    en: 'About the company’s disclosure of what it holds about you (see “Relationships”).',
  },
} as const satisfies Record<string, Entry>;
