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
    outcome: {
      pending: 'Ihr Assistent zeigt Ihnen die Anfrage …',
      granted: 'Danke! Ihre Einwilligung ist angekommen.',
      refused: 'Schade – wir fragen nicht weiter.',
      cancelled: 'Sie haben die Anfrage geschlossen.',
      error: 'Ihr Assistent hat die Anfrage nicht angenommen.',
      // ERR_ASSISTANT_SILENT: the Assistant went away after it took the request.
      silent:
        'Ihr Assistent antwortet nicht mehr, daher wissen wir nicht, ob Ihre Antwort angekommen ist. Bitte laden Sie diese Seite neu und versuchen Sie es erneut.',
      'no-assistant':
        'Kein Assistent gefunden. Wie Sie ihn installieren, erklärt die Clearingstelle:',
    },
    install: 'So installieren Sie den Assistenten',
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
    outcome: {
      pending: 'Your Assistant is showing you the request …',
      granted: 'Thank you! Your consent has arrived.',
      refused: 'Understood – we will not ask again.',
      cancelled: 'You closed the request.',
      error: 'Your Assistant did not accept the request.',
      silent:
        'Your Assistant stopped answering, so we do not know whether your answer reached us. Please reload this page and try again.',
      'no-assistant': 'No Assistant found. The clearinghouse explains how to install one:',
    },
    install: 'How to install the Assistant',
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
 * or undefined while the site is still registering. The connect button is the clearinghouse's
 * `/connect.js` at work (docs/company-integration.md "Connect from your page"): the script is
 * loaded from the clearinghouse that issued the link, and turns every element with
 * `data-grant-request` into a button that hands the request to the customer's Assistant.
 * Without an Assistant the page says so and shows a link to the clearinghouse's instructions
 * for installing one (its home page, section `#install`).
 *
 * @example
 * ```ts
 * shopPage('en', 'http://localhost:3000/api/v1/grant-requests/abc');
 * ```
 */
export function shopPage(locale: SiteLocale, requestLink: string | undefined): string {
  const t = text[locale];
  const other: SiteLocale = locale === 'de' ? 'en' : 'de';
  const connectScript = requestLink === undefined ? '' : new URL('/connect.js', requestLink).href;
  const installLink = requestLink === undefined ? '' : new URL('/#install', requestLink).href;
  const connect =
    requestLink === undefined
      ? `<p>${escapeHtml(t.pending)}</p>`
      : `<p><a class="connect" id="connect" href="${escapeHtml(requestLink)}" data-grant-request="${escapeHtml(requestLink)}">${escapeHtml(t.connect)}</a></p>
      <p id="connect-help">${escapeHtml(t.connectHelp)}</p>
      <p id="connect-outcome" role="status" aria-live="polite"></p>
      <p id="connect-install" hidden><a href="${escapeHtml(installLink)}">${escapeHtml(t.install)}</a></p>
      <script src="${escapeHtml(connectScript)}" defer></script>
      <script>
        // The outcome of the request, in the page's language (connect.js sets data-connect-outcome).
        const outcomeText = ${JSON.stringify(t.outcome).replace(/</g, '\\u003c')};
        document.addEventListener('clearinghouse-connect', (event) => {
          const status = document.getElementById('connect-outcome');
          status.dataset.outcome = event.detail.outcome;
          // Gone after it took the request: the customer may have consented (protocol/connect).
          const silent = event.detail.code === 'ERR_ASSISTANT_SILENT';
          status.textContent = (silent ? outcomeText.silent : outcomeText[event.detail.outcome]) ?? '';
          // The sentence without an Assistant points to this link.
          document.getElementById('connect-install').hidden = event.detail.outcome !== 'no-assistant';
        });
      </script>`;
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
