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
} as const satisfies Record<string, Entry>;
