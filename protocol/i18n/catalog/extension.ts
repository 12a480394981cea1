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
} as const satisfies Record<string, Entry>;
