/**
 * The Manifest V3 of each build target, generated from one description so that the Chromium and
 * Firefox manifests cannot drift apart. Read by scripts/build-extension.mjs.
 */
import { catalog, defaultLocale, locales, type Locale, type MessageKey } from '../protocol/i18n';
import { browserFamily, type BuildTarget } from './target';
import { clearinghouseUrlProblem } from './core/settings';

/** Icon sizes the browsers ask for (toolbar at 1x/2x, management page, store). */
export const iconSizes = [16, 32, 48, 128] as const;

/** Gecko add-on id: stable, so storage and permissions survive updates in Firefox. */
export const geckoId = 'assistant@consent-clearinghouse.example';

/**
 * Everything the extension uses (MV3 `background.scripts` with `type: "module"`) works from
 * Firefox 128, but `data_collection_permissions`, which AMO requires of new add-ons, is known
 * from 140 on the desktop and 142 on Android; web-ext lint warns for anything older. 140 is the
 * oldest ESR still supported (128 ESR reached its end of life), so nothing current is left out.
 */
export const firefoxMinVersion = '140.0';
export const firefoxAndroidMinVersion = '142.0';

/** The popup page, relative to the extension root (the build keeps the source layout). */
export const popupPath = 'ui/popup/index.html';
/** The dashboard page (the manifest's options page, opened in a tab). */
export const dashboardPath = 'ui/dashboard/index.html';
/** The background bundle, relative to the extension root. */
export const backgroundPath = 'background.js';
/** The page bridge content script (issue 7), a classic script: content scripts cannot be modules. */
export const bridgePath = 'content/bridge.js';
/** The consent window's page (issue 7). */
export const consentPath = 'ui/consent/index.html';
/** Issue 11: the cookie-banner detector on every page (classic script, top frame). */
export const bannersPath = 'content/banners.js';
/** Issue 11: the GPC page script, registered at run time (extension/platform/gpc). */
export const gpcPath = 'content/gpc.js';
/** Issue 11: autoconsent, injected only where the detector found a known platform. */
export const autoconsentPath = 'content/autoconsent.js';
/** Issue 11: autoconsent's JSON rules, read by the background when a page needs them. */
export const autoconsentRulesPath = 'rules/autoconsent-rules.json';

/**
 * Pages of the extension may run only its own scripts and WebAssembly (libsodium), nothing inline
 * or remote, in every build.
 */
export const contentSecurityPolicy = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'";

/** `_locales` message names, and the catalog entries they are generated from. */
const manifestMessages = {
  extensionName: 'common.assistantName',
  extensionDescription: 'extension.manifest.description',
} as const satisfies Record<string, MessageKey>;

/** Chrome's limits for the manifest's strings (Firefox's are looser). */
const maxNameLength = 75;
const maxDescriptionLength = 132;

/** The subset of the WebExtension manifest this project writes. */
export interface ExtensionManifest {
  manifest_version: 3;
  name: string;
  description: string;
  version: string;
  version_name?: string;
  default_locale: Locale;
  icons: Record<string, string>;
  action: { default_popup: string; default_title: string; default_icon: Record<string, string> };
  options_ui: { page: string; open_in_tab: true };
  background: { service_worker: string; type: 'module' } | { scripts: string[]; type: 'module' };
  permissions: string[];
  host_permissions: string[];
  content_scripts: {
    matches: string[];
    js: string[];
    run_at: 'document_idle' | 'document_end' | 'document_start';
    all_frames: boolean;
  }[];
  content_security_policy: { extension_pages: string };
  browser_specific_settings?: {
    gecko: {
      id: string;
      strict_min_version: string;
      data_collection_permissions: { required: string[] };
    };
    gecko_android: { strict_min_version: string };
  };
}

/** One `_locales/<locale>/messages.json`. */
export type LocaleMessages = Record<string, { message: string; description: string }>;

/**
 * Checks `version` against the manifest's rule: one to four dot-separated integers 0..65535
 * without leading zeros (no `-beta` suffixes: those go into `version_name`).
 *
 * @example
 * ```ts
 * isManifestVersion('0.1.0') // true
 * isManifestVersion('1.0.0-rc.1') // false
 * ```
 */
export function isManifestVersion(version: string): boolean {
  if (!/^(?:0|[1-9]\d{0,4})(?:\.(?:0|[1-9]\d{0,4})){0,3}$/.test(version)) return false;
  return version.split('.').every((part) => Number(part) <= 65535);
}

/**
 * The match pattern that lets the background reach `url`'s host (match patterns carry no port,
 * so `http://localhost/*` also covers the test servers on other ports).
 *
 * @example
 * ```ts
 * hostPermissionFor('https://clearinghouse.example:8443/api') // 'https://clearinghouse.example/*'
 * ```
 */
export function hostPermissionFor(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (_e) {
    throw new Error(`CLEARINGHOUSE_URL ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Error(`CLEARINGHOUSE_URL ${JSON.stringify(url)} is not http(s)`);
  // The setting refuses plain http off loopback (extension/core/settings): so does the build.
  if (clearinghouseUrlProblem(url) === 'insecure')
    throw new Error(
      `CLEARINGHOUSE_URL ${JSON.stringify(url)} is plain http off loopback: use https`,
    );
  return `${parsed.protocol}//${parsed.hostname}/*`;
}

function iconSet(): Record<string, string> {
  return Object.fromEntries(iconSizes.map((size) => [String(size), `icons/icon-${size}.png`]));
}

/**
 * The manifest for one build target. `version` comes from package.json.
 *
 * @example
 * ```ts
 * createManifest('firefox', '0.1.0').background // { scripts: ['background.js'], type: 'module' }
 * ```
 */
export function createManifest(
  target: BuildTarget,
  version: string,
  clearinghouseUrl = 'http://localhost:3000',
): ExtensionManifest {
  if (!isManifestVersion(version)) {
    throw new Error(
      `package.json version ${JSON.stringify(version)} is not a valid manifest version`,
    );
  }
  const firefox = browserFamily(target) === 'firefox';
  // The clearinghouse is covered by the all-sites host access below; its URL must still be http(s).
  hostPermissionFor(clearinghouseUrl);
  return {
    manifest_version: 3,
    name: '__MSG_extensionName__',
    description: '__MSG_extensionDescription__',
    version,
    // Visible in chrome://extensions, so nobody mistakes the test build for the real one.
    ...(target === 'chromium-test' ? { version_name: `${version} (test build)` } : {}),
    default_locale: defaultLocale,
    icons: iconSet(),
    action: {
      default_popup: popupPath,
      default_title: '__MSG_extensionName__',
      default_icon: iconSet(),
    },
    // A full tab, not the embedded options dialog: the dashboard is the Assistant's main page.
    options_ui: { page: dashboardPath, open_in_tab: true },
    background: firefox
      ? { scripts: [backgroundPath], type: 'module' }
      : { service_worker: backgroundPath, type: 'module' },
    // notifications: a grant about to expire, a company suspended, an overdue answer (issue 7).
    // declarativeNetRequest: the `Sec-GPC: 1` header; scripting: the GPC page script, autoconsent
    // injected where a banner was found, the TC string read (issue 11). webNavigation (Chromium):
    // completed page loads for the gpc.json check, so the service worker is not woken at the start
    // of each navigation (extension/platform/banners.ts); its install warning ("read your browsing
    // history") is part of the all-sites warning Chromium already shows. Firefox follows loads with
    // a filtered tabs.onUpdated instead, which needs no permission (webNavigation would add one).
    permissions: [
      'storage',
      'alarms',
      'notifications',
      'declarativeNetRequest',
      'scripting',
      ...(firefox ? [] : ['webNavigation']),
    ],
    // Every http(s) site (issue 11): declarativeNetRequest may modify a request's headers, and
    // scripting may inject, only where the extension has host access; the background reads each
    // visited site's /.well-known/gpc.json. This covers the clearinghouse (recovery) too, which is
    // still checked to be an http(s) URL.
    host_permissions: ['http://*/*', 'https://*/*'],
    // The page bridge: any http(s) page may carry a company's connect button; the script stays
    // idle until the page posts to it, and only the top frame gets it (no embedded third parties).
    content_scripts: [
      {
        matches: ['http://*/*', 'https://*/*'],
        js: [bridgePath],
        run_at: 'document_idle',
        all_frames: false,
      },
      // The cookie-banner detector (issue 11): at document_idle, so it never delays the page's
      // DOMContentLoaded; the top frame only.
      {
        matches: ['http://*/*', 'https://*/*'],
        js: [bannersPath],
        run_at: 'document_idle',
        all_frames: false,
      },
    ],
    content_security_policy: { extension_pages: contentSecurityPolicy },
    ...(firefox
      ? {
          browser_specific_settings: {
            gecko: {
              id: geckoId,
              strict_min_version: firefoxMinVersion,
              // Nothing leaves the device (DESIGN section 6); AMO requires saying so.
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: firefoxAndroidMinVersion },
          },
        }
      : {}),
  };
}

/**
 * `_locales/<locale>/messages.json` for the manifest's own strings, taken from the one catalog.
 *
 * @example
 * ```ts
 * localeMessages('en').extensionName.message // 'Consent Assistant'
 * ```
 */
export function localeMessages(locale: Locale): LocaleMessages {
  const messages: LocaleMessages = {};
  for (const [name, key] of Object.entries(manifestMessages)) {
    const message = catalog[key][locale];
    const limit = name === 'extensionName' ? maxNameLength : maxDescriptionLength;
    if (message.length > limit) throw new Error(`${key} (${locale}) exceeds ${limit} characters`);
    messages[name] = { message, description: `Generated from the catalog entry ${key}.` };
  }
  return messages;
}

/** Every locale that gets a `_locales` folder. */
export const manifestLocales: readonly Locale[] = locales;
