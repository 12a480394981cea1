import type { Entry } from '../index';

/** Text shared by all three parts. */
export const common = {
  'common.appName': { de: 'Consent Clearinghouse', en: 'Consent Clearinghouse' },
  'common.assistantName': { de: 'Einwilligungs-Assistent', en: 'Consent Assistant' },
  'common.language': { de: 'Sprache', en: 'Language' },
  'common.language.de': { de: 'Deutsch', en: 'German' },
  'common.language.en': { de: 'Englisch', en: 'English' },
  'common.version': { de: 'Version {version}', en: 'Version {version}' },
  'common.error.unexpected': {
    de: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
    en: 'Something went wrong. Please try again.',
  },
} as const satisfies Record<string, Entry>;
