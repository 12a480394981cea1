/**
 * autoconsent in the page (issue 11): injected by the background into a tab only after the
 * detector (./banners) found a known consent-management platform. It asks the background for its
 * configuration and the matching rules, answers the banner as the background decided (opt out, or
 * opt in on a granted company's site), and reports how it ended. Evaluations that autoconsent needs
 * in the page's own world go through the background, which runs only autoconsent's bundled
 * snippets there (never code sent by the page).
 */
import AutoConsent, { type ContentScriptMessage } from '@duckduckgo/autoconsent';
import { sendToBackground } from '../platform/bridge-port';

interface InitAnswer {
  type: 'banners.config';
  action: 'opt-out' | 'opt-in';
  rules: unknown[];
  platforms: string[];
}

function isInit(value: unknown): value is InitAnswer {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'banners.config' &&
    Array.isArray((value as { rules?: unknown }).rules)
  );
}

/** One result per page: the first of "done", "failed" or "nothing showing". */
let reported = false;
function report(platform: string, outcome: 'success' | 'failure' | 'no-popup'): void {
  if (reported) return;
  reported = true;
  void sendToBackground({
    type: 'banners.result',
    platform: platform.slice(0, 100),
    outcome,
  }).catch(() => undefined);
}

async function main(): Promise<void> {
  // Injected twice (a second detection after a reload race): run once.
  const scope = globalThis as { __consentAssistantBanners?: boolean };
  if (scope.__consentAssistantBanners) return;
  scope.__consentAssistantBanners = true;
  const init: unknown = await sendToBackground({ type: 'banners.init' });
  if (!isInit(init)) return;
  const fallback = init.platforms[0] ?? 'unknown';
  let consent: AutoConsent | undefined = undefined;
  const onMessage = async (message: ContentScriptMessage): Promise<void> => {
    switch (message.type) {
      case 'eval': {
        const answer: unknown = await sendToBackground({
          type: 'banners.eval',
          snippet: String(message.snippetId ?? '').slice(0, 64),
        }).catch(() => undefined);
        const result =
          typeof answer === 'object' &&
          answer !== null &&
          (answer as { result?: unknown }).result === true;
        void consent?.receiveMessageCallback({ type: 'evalResp', id: message.id, result });
        return;
      }
      case 'autoconsentDone':
        report(message.cmp, 'success');
        return;
      case 'optOutResult':
      case 'optInResult':
        if (!message.result) report(message.cmp, 'failure');
        return;
      case 'report': {
        const lifecycle = message.state.lifecycle;
        if (lifecycle === 'nothingDetected')
          report(message.state.detectedCmps[0] ?? fallback, 'no-popup');
        return;
      }
      default:
        return;
    }
  };
  // Constructed without a configuration and initialised right after: handing the configuration
  // to the constructor makes autoconsent 16 prehide before its DOM helper exists, which throws.
  consent = new AutoConsent((message) => onMessage(message), null, null);
  void consent.receiveMessageCallback({
    type: 'initResp',
    config: {
      enabled: true,
      autoAction: init.action === 'opt-in' ? 'optIn' : 'optOut',
      disabledCmps: [],
      enablePrehide: true,
      enableCosmeticRules: true,
      enableGeneratedRules: false,
      enableHeuristicDetection: false,
      detectRetries: 10,
      isMainWorld: false,
      prehideTimeout: 2000,
    } as Parameters<AutoConsent['initialize']>[0] as never,
    rules: { autoconsent: init.rules as never[] },
  });
  // Popups found but never answered (the steps timed out) end as failures after a while.
  setTimeout(() => {
    if (consent?.state.detectedPopups.length) report(consent.state.detectedPopups[0]!, 'failure');
    else report(consent?.state.detectedCmps[0] ?? fallback, 'no-popup');
  }, 30_000);
}

void main();
