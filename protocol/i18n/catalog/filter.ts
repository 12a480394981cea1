import type { Entry } from '../index';

/**
 * The filter's sentences (issue 8): "why am I seeing this", "why was this hidden", "why is this
 * held", one sentence per reason of `protocol/filter/reasons.ts`. Placeholders are filled by
 * `explainDecision`: `{until}` is a date and time in the customer's zone, `{score}` and
 * `{threshold}` are whole per cent, `{rule}` is one of the `filter.rule.*` sentences.
 */
export const filter = {
  'filter.title.deliver': { de: 'Warum Sie das sehen:', en: 'Why you are seeing this:' },
  'filter.title.hold': { de: 'Warum das noch wartet:', en: 'Why this is waiting:' },
  'filter.title.drop': { de: 'Warum das ausgeblendet wurde:', en: 'Why this was hidden:' },
  'filter.novel': { de: 'Etwas Neues', en: 'Something new' },

  'filter.reason.outer_inner_mismatch': {
    de: 'Der Umschlag des Angebots passt nicht zu seinem versiegelten Inhalt ({fields}). Das ist ein Verstoß; das signierte Angebot ist Beweis.',
    en: "The offer's envelope does not match its sealed content ({fields}). This is a violation; the signed offer is evidence.",
  },
  'filter.reason.company_suspended': {
    de: 'Das Unternehmen ist von der Aufsicht ausgesetzt und darf Sie nicht ansprechen.',
    en: 'The company is suspended by the regulator and may not contact you.',
  },
  'filter.reason.grant_missing': {
    de: 'Sie haben diesem Unternehmen dafür keine Einwilligung gegeben. Das ist ein Verstoß.',
    en: 'You gave this company no consent for this. This is a violation.',
  },
  'filter.reason.grant_not_covered': {
    de: 'Ihre Einwilligung deckt das nicht: {rule} Das ist ein Verstoß.',
    en: 'Your consent does not cover this: {rule} This is a violation.',
  },
  'filter.reason.grant_ended': {
    de: 'Ihre Einwilligung gilt dafür nicht mehr: {rule}',
    en: 'Your consent no longer covers this: {rule}',
  },
  'filter.reason.offer_expired': {
    de: 'Das Angebot ist abgelaufen.',
    en: 'The offer has expired.',
  },
  'filter.reason.grant_covers': {
    de: 'Sie haben diesem Unternehmen erlaubt, Sie dafür über diesen Kanal anzusprechen.',
    en: 'You allowed this company to contact you for this, on this channel.',
  },
  'filter.reason.blacklisted_company': {
    de: 'Das Unternehmen steht auf Ihrer schwarzen Liste.',
    en: 'The company is on your blacklist.',
  },
  'filter.reason.blacklisted_brand': {
    de: 'Die Marke „{brand}“ steht auf Ihrer schwarzen Liste.',
    en: 'The brand “{brand}” is on your blacklist.',
  },
  'filter.reason.paused': {
    de: 'Sie haben die Angebote dieses Unternehmens bis {until} pausiert.',
    en: 'You paused offers from this company until {until}.',
  },
  // `{channel}` is the channel's label. The profile's allowed channels are the customer's own
  // restriction, granted or not: the sentence says where to allow one (a grant alone does not).
  'filter.reason.channel_not_allowed': {
    de: 'Ihr Profil lässt den Kanal „{channel}“ nicht zu. Sie können ihn in der Übersicht unter „Profil“, „Erlaubte Kanäle“ zulassen.',
    en: 'Your profile does not allow the channel “{channel}”. You can allow it in the dashboard under “Profile”, “Allowed channels”.',
  },
  'filter.reason.purpose_refused': {
    de: 'Zu diesem Zweck möchten Sie nicht angesprochen werden.',
    en: 'You do not want to be contacted for this purpose.',
  },
  'filter.reason.category_refused': {
    de: 'Angebote der Kategorie „{category}“ möchten Sie nicht erhalten.',
    en: 'You do not want offers in the category “{category}”.',
  },
  'filter.reason.settings_allow': {
    de: 'Kanal, Zweck und Kategorie passen zu Ihren Einstellungen.',
    en: 'Channel, purpose and category match your settings.',
  },
  'filter.reason.quiet_hours': {
    de: 'Es ist gerade Ihre Ruhezeit; Sie sehen es ab {until}.',
    en: 'It is your quiet time now; you will see it from {until}.',
  },
  'filter.reason.grant_time_window': {
    de: 'Ihre Einwilligung erlaubt Kontakt nur zu bestimmten Zeiten; Sie sehen es ab {until}.',
    en: 'Your consent allows contact only at certain times; you will see it from {until}.',
  },
  'filter.reason.no_window_before_expiry': {
    de: 'Vor Ablauf des Angebots gibt es keine Zeit, zu der Sie angesprochen werden möchten.',
    en: 'There is no time you want to be contacted before the offer expires.',
  },
  'filter.reason.contact_cap': {
    de: 'Sie haben diese Woche schon so viele Angebote erhalten, wie Sie möchten; Sie sehen es ab {until}.',
    en: 'You have had as many offers this week as you want; you will see it from {until}.',
  },
  'filter.reason.advertisement_label_missing': {
    de: 'Die Werbung ist nicht als Werbung gekennzeichnet. Das ist ein Verstoß.',
    en: 'The advertisement is not labelled as such. This is a violation.',
  },
  'filter.reason.unsubscribe_missing': {
    de: 'Das Angebot nennt keinen Weg zum Abbestellen. Das ist ein Verstoß.',
    en: 'The offer gives no way to unsubscribe. This is a violation.',
  },
  'filter.reason.opted_in': {
    de: 'Sie haben „{category}“ als Interesse gewählt.',
    en: 'You chose “{category}” as an interest.',
  },
  'filter.reason.not_opted_in': {
    de: 'Sie haben „{category}“ nicht als Interesse gewählt.',
    en: 'You did not choose “{category}” as an interest.',
  },
  'filter.reason.score_above_threshold': {
    de: 'Nach dem, was Sie bisher mochten, passt es zu Ihnen ({score} %, Ihre Schwelle {threshold} %).',
    en: 'From what you liked so far, it suits you ({score} %, your threshold {threshold} %).',
  },
  'filter.reason.score_below_threshold': {
    de: 'Nach dem, was Sie bisher mochten, passt es kaum zu Ihnen ({score} %, Ihre Schwelle {threshold} %).',
    en: 'From what you liked so far, it hardly suits you ({score} %, your threshold {threshold} %).',
  },
  'filter.reason.serendipity': {
    de: 'Etwas Neues: „{category}“ haben Sie noch nie gesehen, und ein kleiner Teil solcher Angebote kommt durch, damit Ihre Welt nicht enger wird.',
    en: 'Something new: you have never seen “{category}”, and a small share of such offers passes so your world does not narrow.',
  },

  'filter.rule.revoked': {
    de: 'Sie haben sie widerrufen.',
    en: 'you revoked it.',
  },
  'filter.rule.not_yet_valid': {
    de: 'Sie galt zu dem Zeitpunkt noch nicht.',
    en: 'it was not yet valid at the time.',
  },
  'filter.rule.expired': {
    de: 'Sie ist abgelaufen.',
    en: 'it has expired.',
  },
  'filter.rule.purpose': {
    de: 'Dieser Zweck ist nicht erlaubt.',
    en: 'this purpose is not allowed.',
  },
  'filter.rule.channel': {
    de: 'Dieser Kanal ist nicht erlaubt.',
    en: 'this channel is not allowed.',
  },
  'filter.rule.time_window': {
    de: 'Zu dieser Zeit ist kein Kontakt erlaubt.',
    en: 'no contact is allowed at this time.',
  },
  'filter.rule.contact_cap': {
    de: 'Die erlaubte Zahl der Kontakte pro Woche ist überschritten.',
    en: 'the allowed number of contacts per week is exceeded.',
  },

  // `{count}` is the pause in days.
  'filter.suggestion.cool_down': {
    de: {
      one: 'Sie lassen die Angebote von {company} seit einer Weile liegen ({negatives} von {of}). Eine Pause von {count} Tag einlegen?',
      other:
        'Sie lassen die Angebote von {company} seit einer Weile liegen ({negatives} von {of}). Eine Pause von {count} Tagen einlegen?',
    },
    en: {
      one: 'You have been leaving offers from {company} alone for a while ({negatives} of {of}). Pause them for {count} day?',
      other:
        'You have been leaving offers from {company} alone for a while ({negatives} of {of}). Pause them for {count} days?',
    },
  },
  'filter.suggestion.refuse': {
    de: 'Sie weisen die Angebote von {company} fast immer zurück ({negatives} von {of}). Die Einwilligung widerrufen?',
    en: 'You almost always dismiss offers from {company} ({negatives} of {of}). Revoke your consent?',
  },
} as const satisfies Record<string, Entry>;
