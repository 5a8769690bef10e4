import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layer rules from ../shared/ARCHITECTURE.md: each folder may import only the layers below it.
const layer = (name, forbidden, message) => ({
  files: [`src/${name}/**/*.{ts,tsx}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((group) => ({ ...group, message: group.message ?? message })),
      },
    ],
  },
});
const up = (folder) => ({ regex: `^(\\.\\./)+${folder}(/|$)`, message: `must not import src/${folder}` });
const pkg = (names, message) => ({ group: names, message });

export default tseslint.config(
  { ignores: ['out/', 'node_modules/', 'test-results/', 'playwright-report/', '.tmp/', 'resources/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // With noUncheckedIndexedAccess, `xs[i]!` after a bounds check is the idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  layer('shared', [
    up('main'),
    up('renderer'),
    up('preload'),
    up('core'),
    up('compute'),
    up('cli'),
    pkg(
      ['electron', 'better-sqlite3', 'react', 'react-dom', '@tensorflow/*', 'node:*'],
      'shared holds zod schemas only',
    ),
  ]),
  layer('core', [
    up('main'),
    up('renderer'),
    up('preload'),
    up('compute'),
    up('cli'),
    pkg(
      ['electron', 'better-sqlite3', 'react', 'react-dom'],
      'core is tensors and maths: no Electron, no SQLite, no UI',
    ),
  ]),
  layer('compute', [
    up('main'),
    up('renderer'),
    up('preload'),
    up('cli'),
    pkg(['electron', 'better-sqlite3', 'react', 'react-dom'], 'compute runs core jobs in a worker'),
  ]),
  layer('renderer', [
    up('main'),
    up('preload'),
    up('core'),
    up('compute'),
    up('cli'),
    pkg(
      ['electron', 'better-sqlite3', '@tensorflow/*', 'node:*'],
      'the renderer is a client of the contract; only api/ talks to the main process',
    ),
  ]),
  layer('preload', [
    up('main'),
    up('renderer'),
    up('core'),
    up('compute'),
    up('cli'),
    pkg(['better-sqlite3', 'react', '@tensorflow/*'], 'preload only bridges contract channels'),
  ]),
  layer('main', [up('renderer'), up('cli'), pkg(['react', 'react-dom'], 'main has no UI code')]),
  {
    // Electron is allowed in the window shell only: services, store, jobs and http run in plain Node.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/windows.ts', 'src/main/ipc/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            up('renderer'),
            up('cli'),
            pkg(['electron', 'react', 'react-dom'], 'electron only in main/index.ts, windows.ts and ipc/'),
          ],
        },
      ],
    },
  },
  {
    // Only renderer/api talks to IPC or HTTP.
    files: ['src/renderer/**/*.{ts,tsx}'],
    ignores: ['src/renderer/api/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'use renderer/api' },
        { name: 'EventSource', message: 'use renderer/api' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'api', message: 'use renderer/api' },
      ],
    },
  },
);
