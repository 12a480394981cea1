/**
 * Global Privacy Control in the page (issue 11, SPECS "Global Privacy Control"): makes
 * `navigator.globalPrivacyControl` read `true`, as the GPC specification defines it (a getter on
 * `Navigator.prototype`). Runs in the page's MAIN world at `document_start`, before the page's own
 * scripts; registered by extension/platform/gpc with every exempt site excluded, so there is no
 * decision to make here and nothing to ask the background. A few hundred bytes on every page.
 */
try {
  Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
    configurable: true,
    enumerable: true,
    get: () => true,
  });
} catch (_e) {
  // A page that froze Navigator.prototype before us keeps its own value; the header still goes.
}
