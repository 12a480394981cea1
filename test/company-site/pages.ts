/**
 * The shop page of the reference company, in German and English. Self-contained on purpose: this
 * is the part a company developer copies into their own site, so it does not use the
 * clearinghouse's text catalog. Every value put into HTML is escaped.
 */

export type SiteLocale = 'de' | 'en';

const text = {
  de: {
    title: 'Laufhaus – Laufschuhe für jeden Weg',
    lead: 'Der neue Trailschuh „Kammweg“ ist da. Möchten Sie von neuen Modellen erfahren?',
    product: 'Trailschuh Kammweg, 139 €',
    connect: 'Mit Ihrem Assistenten verbinden',
    connectHelp:
      'Ihr Assistent zeigt Ihnen, worum wir bitten (Neuigkeiten zu neuen Modellen per Newsletter, höchstens zweimal pro Woche), und Sie entscheiden.',
    pending: 'Die Anfrage wird noch vorbereitet. Bitte laden Sie die Seite gleich neu.',
    language: 'English',
  },
  en: {
    title: 'Laufhaus – running shoes for every path',
    lead: 'The new "Kammweg" trail shoe is here. Would you like to hear about new models?',
    product: 'Kammweg trail shoe, €139',
    connect: 'Connect with your Assistant',
    connectHelp:
      'Your Assistant shows you what we ask for (news about new models by newsletter, at most twice a week), and you decide.',
    pending: 'The request is still being prepared. Please reload the page in a moment.',
    language: 'Deutsch',
  },
} as const;

/**
 * Escapes text for HTML element content and double-quoted attributes.
 *
 * @example
 * ```ts
 * escapeHtml('<a href="x">'); // '&lt;a href=&quot;x&quot;&gt;'
 * ```
 */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The locale from `?lang=` or else `Accept-Language` (German unless English is preferred).
 *
 * @example
 * ```ts
 * pickLocale(new URL('http://x/?lang=en'), undefined); // 'en'
 * ```
 */
export function pickLocale(url: URL, acceptLanguage: string | undefined): SiteLocale {
  const asked = url.searchParams.get('lang');
  if (asked === 'de' || asked === 'en') return asked;
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'de';
}

/**
 * The shop page. `requestLink` is the clearinghouse link of the company's open grant request,
 * or undefined while the site is still registering.
 *
 * @example
 * ```ts
 * shopPage('en', 'http://localhost:3000/api/v1/grant-requests/abc');
 * ```
 */
export function shopPage(locale: SiteLocale, requestLink: string | undefined): string {
  const t = text[locale];
  const other: SiteLocale = locale === 'de' ? 'en' : 'de';
  const connect =
    requestLink === undefined
      ? `<p>${escapeHtml(t.pending)}</p>`
      : // CONNECT.JS: once the clearinghouse serves /connect.js (the wallet issue), load it here
        // (<script src="<clearinghouse>/connect.js" defer></script>) and let it turn this link
        // into a button that hands the request to the Assistant on the page. Until then the
        // button is a plain link to the request, which the Assistant opens.
        `<p><a class="connect" id="connect" href="${escapeHtml(requestLink)}" data-grant-request="${escapeHtml(requestLink)}">${escapeHtml(t.connect)}</a></p>
      <p id="connect-help">${escapeHtml(t.connectHelp)}</p>`;
  return `<!doctype html>
<html lang="${locale}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(t.title)}</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
      .connect { display: inline-block; padding: 0.6rem 1rem; background: #1a1a1a; color: white; border-radius: 0.3rem; text-decoration: none; }
      .connect:focus-visible, a:focus-visible { outline: 3px solid #0055cc; outline-offset: 2px; }
    </style>
  </head>
  <body>
    <header><a href="?lang=${other}" lang="${other}">${escapeHtml(t.language)}</a></header>
    <main>
      <h1>${escapeHtml(t.title)}</h1>
      <p>${escapeHtml(t.lead)}</p>
      <p><strong>${escapeHtml(t.product)}</strong></p>
      ${connect}
    </main>
  </body>
</html>
`;
}
