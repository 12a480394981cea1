import { describe, expect, it } from 'vitest';
import { t } from '../protocol/i18n';
import {
  createManifest,
  geckoId,
  isManifestVersion,
  localeMessages,
  manifestLocales,
} from './manifest';
import { buildTargets } from './target';

describe('createManifest', () => {
  it('gives Chromium builds a module service worker and no gecko settings', () => {
    for (const target of ['chromium', 'chromium-test'] as const) {
      const manifest = createManifest(target, '1.2.3');
      expect(manifest.background).toEqual({ service_worker: 'background.js', type: 'module' });
      expect(manifest.browser_specific_settings).toBeUndefined();
    }
  });

  it('gives the Firefox build background scripts, the gecko id and a data-collection statement', () => {
    const manifest = createManifest('firefox', '1.2.3');
    expect(manifest.background).toEqual({ scripts: ['background.js'], type: 'module' });
    expect(manifest.browser_specific_settings?.gecko).toMatchObject({
      id: geckoId,
      data_collection_permissions: { required: ['none'] },
    });
  });

  it('marks only the test build as such', () => {
    expect(createManifest('chromium-test', '1.2.3').version_name).toBe('1.2.3 (test build)');
    expect(createManifest('chromium', '1.2.3').version_name).toBeUndefined();
  });

  it('takes name and description from _locales and asks for no more than storage and alarms', () => {
    for (const target of buildTargets) {
      const manifest = createManifest(target, '1.2.3');
      expect(manifest.name).toBe('__MSG_extensionName__');
      expect(manifest.description).toBe('__MSG_extensionDescription__');
      expect(manifest.permissions).toEqual([
        'storage',
        'alarms',
        'notifications',
        'declarativeNetRequest',
        'scripting',
        // Chromium only: completed page loads without waking the worker at each navigation's start.
        ...(target === 'firefox' ? [] : ['webNavigation']),
      ]);
      expect(manifest.content_security_policy.extension_pages).toBe(
        "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
      );
    }
  });

  it('opens the dashboard as the options page in its own tab, in every build', () => {
    for (const target of buildTargets) {
      expect(createManifest(target, '1.2.3').options_ui).toEqual({
        page: 'ui/dashboard/index.html',
        open_in_tab: true,
      });
    }
  });

  it('may reach every http(s) site (GPC header, banners, gpc.json; issue 11), the clearinghouse included', () => {
    for (const target of buildTargets)
      expect(createManifest(target, '1.2.3').host_permissions).toEqual([
        'http://*/*',
        'https://*/*',
      ]);
    expect(
      createManifest('firefox', '1.2.3', 'https://clearinghouse.example:8443/').host_permissions,
    ).toEqual(['http://*/*', 'https://*/*']);
    expect(() => createManifest('chromium', '1.2.3', 'ftp://x')).toThrow(/not http/);
    expect(() => createManifest('chromium', '1.2.3', 'http://clearinghouse.example')).toThrow(
      /use https/,
    );
    expect(createManifest('chromium', '1.2.3', 'http://127.0.0.1:3100').host_permissions).toEqual([
      'http://*/*',
      'https://*/*',
    ]);
  });

  it('puts only the small banner detector and the bridge on every page, at document_idle (issue 11)', () => {
    for (const target of buildTargets) {
      const scripts = createManifest(target, '1.2.3').content_scripts;
      expect(scripts.map((s) => s.js)).toEqual([['content/bridge.js'], ['content/banners.js']]);
      for (const script of scripts) {
        expect(script.run_at).toBe('document_idle');
        expect(script.all_frames).toBe(false);
      }
    }
  });

  it('refuses a version browsers would reject', () => {
    expect(() => createManifest('chromium', '1.0.0-rc.1')).toThrow(/not a valid manifest version/);
  });
});

describe('isManifestVersion', () => {
  it.each(['0', '0.1.0', '1.2.3.4', '65535.0.0'])('accepts %s', (version) => {
    expect(isManifestVersion(version)).toBe(true);
  });

  it.each(['', '1.2.3.4.5', '01.0', '65536.0', '1.0-beta', ' 1.0', '1..0', 'v1'])(
    'rejects %j',
    (version) => {
      expect(isManifestVersion(version)).toBe(false);
    },
  );
});

describe('localeMessages', () => {
  it('fills every locale from the catalog', () => {
    for (const locale of manifestLocales) {
      const messages = localeMessages(locale);
      expect(messages.extensionName?.message).toBe(t(locale, 'common.assistantName'));
      expect(messages.extensionDescription?.message).toBe(
        t(locale, 'extension.manifest.description'),
      );
      expect(messages.extensionDescription?.message.length).toBeLessThanOrEqual(132);
    }
  });
});
