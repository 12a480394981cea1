import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/**
 * The two architectural lines of STYLE.md, enforced here so crossing them fails `npm test`:
 * - protocol/ is pure: no browser, DOM, database, network or extension API.
 * - extension/core/ never touches browser.* / chrome.* nor imports the polyfill;
 *   only extension/platform/ does.
 */
const platformModules = [
  'webextension-polyfill',
  'better-sqlite3',
  'pg',
  'kysely',
  'dexie',
  'node:*',
  'fs',
  'path',
  'http',
  'https',
  'net',
  'crypto',
  'child_process',
  '$app/*',
  '$lib/*',
  '@sveltejs/*',
  'svelte',
  'svelte/*',
];

const browserGlobals = [
  'window',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'chrome',
  'browser',
  'process',
  'Buffer',
  'require',
];

export default ts.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'build/',
      'data/',
      '.svelte-kit/',
      'test-results/',
      'playwright-report/',
      'protocol/test-vectors/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    // The polyfill throws outside an extension: only platform/ may import it.
    // Comes before the narrower blocks below, which replace this rule for their files.
    files: ['**/*.ts', '**/*.svelte'],
    ignores: ['extension/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'webextension-polyfill',
              message: 'Only extension/platform/ may import webextension-polyfill.',
            },
          ],
        },
      ],
    },
  },
  {
    // protocol/ is pure (DESIGN section 4, STYLE habit 1).
    files: ['protocol/**/*.ts'],
    ignores: ['protocol/**/*.test.ts', 'protocol/**/*.node.ts'],
    languageOptions: { globals: { ...globals.es2021 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: platformModules,
              message: 'protocol/ is pure: inject I/O instead of importing a platform module.',
            },
            {
              group: ['**/extension/**', '**/portal/**'],
              message: 'protocol/ must not depend on the extension or the portal.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...browserGlobals.map((name) => ({
          name,
          message: `protocol/ is pure: '${name}' is a platform global; inject it instead.`,
        })),
      ],
    },
  },
  {
    // extension/core/ runs in Node tests and is handed ports (STYLE habit 2).
    files: ['extension/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['webextension-polyfill', '**/platform/**', '**/vault/**', 'dexie'],
              message: 'extension/core/ never touches the browser: it is handed ports.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'chrome', message: 'extension/core/ must not touch chrome.*; use a port.' },
        { name: 'browser', message: 'extension/core/ must not touch browser.*; use a port.' },
      ],
    },
  },
);
