/**
 * The shop page of the reference company, in German and English. Self-contained on purpose: this
 * is the part a company developer copies into their own site, so it does not use the
 * clearinghouse's text catalog. Every value put into HTML is escaped.
 */

import type { ProtocolErrorCode } from '../../protocol/errors';

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
      refused:
        'Verstanden – danke für Ihre Antwort. Wir fragen erst wieder, wenn Ihr Assistent es zulässt.',
      cancelled:
        'Sie haben noch nicht entschieden; Sie können die Anfrage jederzeit wieder öffnen.',
      // An error whose code is not in `errorCauses` (one a newer Assistant may bring).
      error: 'Ihr Assistent hat die Anfrage nicht angenommen.',
      // The causes of `errorCauses`. ERR_ASSISTANT_SILENT: the Assistant went away after it
      // took the request.
      silent:
        'Ihr Assistent antwortet nicht mehr, daher wissen wir nicht, ob Ihre Antwort angekommen ist. Bitte laden Sie diese Seite neu und versuchen Sie es erneut.',
      busy: 'Eine Anfrage von uns ist in Ihrem Assistenten schon offen, vielleicht aus einem anderen Tab. Bitte schließen Sie zuerst diese ab und versuchen Sie es dann erneut.',
      limited:
        'Wir haben Ihren Assistenten in der letzten Minute zu oft gefragt. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.',
      setup:
        'Ihr Assistent ist noch nicht eingerichtet. Richten Sie ihn zuerst ein und versuchen Sie es dann erneut.',
      unreachable:
        'Ihr Assistent erreicht die Clearingstelle gerade nicht. Bitte versuchen Sie es später erneut.',
      notSent:
        'Ihre Antwort wurde nicht gesendet: Ihr Assistent konnte die Clearingstelle noch nicht bestätigen. Prüfen Sie in seinen Einstellungen die Adresse der Clearingstelle und versuchen Sie es erneut.',
      stale:
        'Unsere Anfrage gilt nicht mehr. Bitte laden Sie diese Seite neu und versuchen Sie es erneut.',
      wrongPage:
        'Ihr Assistent hat die Anfrage abgelehnt: Diese Seite liegt nicht unter der Adresse, mit der wir bei der Clearingstelle eingetragen sind.',
      ours: 'Ihr Assistent hat die Anfrage abgelehnt, weil unser Eintrag bei der Clearingstelle nicht zu ihr passt. Das liegt an uns; bitte versuchen Sie es später erneut.',
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
      refused:
        'Understood – thank you for your answer. We ask again only when your Assistant lets us.',
      cancelled: 'You have not decided yet; you can open the request again at any time.',
      error: 'Your Assistant did not accept the request.',
      silent:
        'Your Assistant stopped answering, so we do not know whether your answer reached us. Please reload this page and try again.',
      busy: 'A request from us is already open in your Assistant, perhaps from another tab. Please finish that one first, then try again.',
      limited:
        'We asked your Assistant too often in the last minute. Please wait a minute, then try again.',
      setup: 'Your Assistant is not set up yet. Please set it up first, then try again.',
      unreachable:
        'Your Assistant cannot reach the clearinghouse right now. Please try again later.',
      notSent:
        'Your answer was not sent: your Assistant could not yet confirm the clearinghouse. Check the clearinghouse address in its settings and try again.',
      stale: 'Our request is no longer valid. Please reload this page and try again.',
      wrongPage:
        'Your Assistant refused the request: this page is not at the address under which we are registered with the clearinghouse.',
      ours: 'Your Assistant refused the request because our entry at the clearinghouse does not match it. This is our fault; please try again later.',
      'no-assistant': 'No Assistant found. The clearinghouse explains how to install one:',
    },
    install: 'How to install the Assistant',
  },
} as const;

/**
 * What the shop page says about the shop itself, per language: the parts a company replaces with
 * its own (the demo's second company sells radios, not running shoes). The rest of the page (the
 * connect button and its outcomes) is the same for every company.
 */
export interface ShopCopy {
  title: string;
  lead: string;
  product: string;
  /** What the Assistant will show the customer, said before the button. */
  connectHelp: string;
}

/** The reference company's own shop texts (Laufhaus, running shoes). */
export const laufhausShop: Readonly<Record<SiteLocale, ShopCopy>> = {
  de: {
    title: text.de.title,
    lead: text.de.lead,
    product: text.de.product,
    connectHelp: text.de.connectHelp,
  },
  en: {
    title: text.en.title,
    lead: text.en.lead,
    product: text.en.product,
    connectHelp: text.en.connectHelp,
  },
};

/** A sentence of `outcome`: one per outcome of the request, and one per cause of an error. */
type OutcomeSentence = keyof (typeof text)['de']['outcome'] & keyof (typeof text)['en']['outcome'];

/**
 * Why the Assistant did not take the request, by the `code` of an `error` outcome
 * (`ConnectOutcome` of protocol/connect). The codes: those of docs/company-integration.md
 * "Connect from your page", and those of the Assistant's own state (not set up, out of reach).
 * The customer reads the cause and what to do, not "did not accept" for a request that is only
 * open in another tab. The company's own faults share one sentence: the customer can do nothing
 * about them. A code not listed keeps the general `error` sentence. A type-only import: the page
 * loads nothing of the clearinghouse's code.
 */
const errorCauses = {
  ERR_ASSISTANT_SILENT: 'silent',
  ERR_BRIDGE_BUSY: 'busy',
  ERR_RATE_LIMITED: 'limited',
  ERR_VAULT_ABSENT: 'setup',
  ERR_CLEARINGHOUSE_UNREACHABLE: 'unreachable',
  // Nothing was signed or sent (extension/core/wallet requirePin).
  ERR_LOG_KEY_NOT_PINNED: 'notSent',
  ERR_GRANT_REQUEST_UNKNOWN: 'stale',
  ERR_GRANT_REQUEST_VOIDED: 'stale',
  ERR_BRIDGE_ORIGIN_MISMATCH: 'wrongPage',
  ERR_COMPANY_UNKNOWN: 'ours',
  ERR_COMPANY_NOT_ACTIVE: 'ours',
  ERR_COMPANY_DOMAIN_UNVERIFIED: 'ours',
  ERR_PURPOSE_NOT_DECLARED: 'ours',
  ERR_JWS_KID_UNKNOWN: 'ours',
} as const satisfies Partial<Record<ProtocolErrorCode, OutcomeSentence>>;

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
 * shopPage('de', link, radioShop); // another company's own texts (ShopCopy)
 * ```
 */
export function shopPage(
  locale: SiteLocale,
  requestLink: string | undefined,
  shop: Readonly<Record<SiteLocale, ShopCopy>> = laufhausShop,
): string {
  const t = { ...text[locale], ...shop[locale] };
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
        // The outcome of the request, in the page's language (connect.js sets data-connect-outcome);
        // an error by its cause where errorCauses knows its code.
        const outcomeText = ${JSON.stringify(t.outcome).replace(/</g, '\\u003c')};
        const errorCauses = ${JSON.stringify(errorCauses)};
        document.addEventListener('clearinghouse-connect', (event) => {
          const status = document.getElementById('connect-outcome');
          const { outcome, code } = event.detail;
          status.dataset.outcome = outcome;
          // ERR_ASSISTANT_SILENT among them: gone after it took the request, so the customer may
          // have consented (protocol/connect), which "did not accept" would deny.
          const cause = outcome === 'error' && Object.hasOwn(errorCauses, code) ? errorCauses[code] : outcome;
          status.textContent = outcomeText[cause] ?? '';
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
