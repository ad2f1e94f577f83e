// ESLint flat config. `npm run lint` runs it (then prettier --check); CI runs `npm run lint` before the tests.
//
// Rule choices, and why:
// - TypeScript files are linted type-aware (projectService reads tsconfig.json) with typescript-eslint's
//   recommendedTypeChecked set, plus the strict rules that catch real bugs in this code base:
//   no-floating-promises / no-misused-promises (a forgotten await in a koa handler or a storage call silently
//   drops an error or a write), switch-exhaustiveness-check without counting `default` as exhaustive (a new
//   connection kind or flow step must be handled in every switch over it), and consistent-type-imports
//   (type-only imports vanish from the emitted JS, so production never loads a module only for its types).
// - no-unsafe-* stays ON for src/: oidc-provider and koa are typed well enough that production code had only
//   a handful of `any` leaks (JSON.parse, Object.create(null), z.any()), and an `any` there is exactly where
//   unvalidated input slips through. It is OFF for test/: tests read response bodies (`await res.json()`)
//   as `any` on purpose, and ~80 casts there would add noise, not safety.
// - require-await is OFF: async methods without await are deliberate (the synchronous SQLite adapter
//   implements the async repository interfaces; oidc-provider hooks must return promises). 66 findings, all noise.
// - no-unnecessary-type-assertion is OFF: the code writes `list[0]!` on indexed reads on purpose (it documents
//   "this element exists" and keeps the code ready for noUncheckedIndexedAccess); the rule would strip 130 of them.
// - The boundary rules (below, "Import boundaries") fail the build: domain code knows nothing of HTTP, of the
//   protocol library or of the database; storage knows nothing of HTTP. test/lint/boundaries.test.ts proves they fire.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** Capabilities that hold the rules: no HTTP, no protocol library, no database driver, no storage adapter. */
const DOMAIN = [
  'accounts',
  'tenants',
  'clients',
  'apis',
  'roles',
  'policy',
  'mfa',
  'links',
  'federation',
  'audit',
  'mail',
  'crypto',
  'throttle',
  'i18n',
];
/** Delivery and composition code that the domain must not reach into. */
const OUTER = [
  'admin',
  'interactions',
  'views',
  'web',
  'profile',
  'set-password',
  'console',
  'oidc',
  'cli',
  'health',
  'app.ts',
  'main.ts',
  'services.ts',
];
/**
 * What the administration console must not reach: it is a client of the admin API over HTTP
 * ("calls the admin API, never the services"), so no services, use cases, stores or API internals,
 * and no domain rules of its own (kernel helpers, crypto, i18n, config and web helpers are fine).
 */
const BEHIND_THE_API = [
  'services.ts',
  'app.ts',
  'operations',
  'storage',
  'admin',
  'interactions',
  'profile',
  'set-password',
  'cli',
  ...DOMAIN.filter((d) => !['crypto', 'i18n'].includes(d)),
];
/** HTTP code that storage must not reach into. */
const HTTP = ['web', 'admin', 'interactions', 'views', 'profile', 'set-password', 'console', 'health'];

/**
 * Forbids packages in a layer: static imports, `import type`, re-exports and `import()` alike.
 * `koa` also covers `koa/lib/x`, but not `koa-compose`.
 */
function forbidPackages(names, why) {
  const regex = `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(/.*)?$`;
  const message = `${why} (see CONTRIBUTING.md, "Layers").`;
  return {
    'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
    // esquery's /regex/ cannot contain a slash, hence \x2F.
    'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`, message }],
  };
}

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'data/**', 'keys/**', 'test-artifacts/**', 'coverage/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // ---------- every file ----------
  js.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: {
      // Relative ESM imports name the emitted `.js`; the resolver finds the `.ts` source.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'] } })],
    },
    rules: {
      // A `let` read by a closure before its one assignment (e.g. a server handler made later) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Production code (src/, bin/) may import only `dependencies`; tests, benchmarks and config may use devDependencies.
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          devDependencies: ['test/**', 'bench/**', '*.config.js', '*.config.mjs'],
          optionalDependencies: false,
          peerDependencies: false,
          packageDir: root,
        },
      ],
    },
  },

  // ---------- TypeScript: type-aware ----------
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // `const { password: _password, ...rest } = x` is how the code drops a field: `_` marks it unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  // ---------- Import boundaries (fail the build) ----------
  {
    files: [`src/{${DOMAIN.join(',')}}/**/*.ts`],
    rules: {
      ...forbidPackages(
        ['koa', '@koa/router', 'koa-mount', 'oidc-provider', 'node:sqlite', 'mongodb'],
        'domain code must not depend on HTTP, the protocol library or a database driver',
      ),
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            {
              target: DOMAIN.map((d) => `./src/${d}`),
              from: OUTER.map((d) => `./src/${d}`),
              message: 'domain code must not depend on HTTP, protocol or composition code (see CONTRIBUTING.md, "Layers").',
            },
            {
              target: DOMAIN.map((d) => `./src/${d}`),
              from: './src/storage',
              message: 'domain code must not depend on storage; declare the repository interface in the capability instead.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: {
      ...forbidPackages(['koa', '@koa/router', 'koa-mount', 'oidc-provider'], 'storage must not depend on HTTP or the protocol library'),
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            {
              target: './src/storage',
              from: HTTP.map((d) => `./src/${d}`),
              message: 'storage must not depend on HTTP code (see CONTRIBUTING.md, "Layers").',
            },
          ],
        },
      ],
    },
  },

  {
    files: ['src/console/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            {
              target: './src/console',
              from: BEHIND_THE_API.map((d) => `./src/${d}`),
              message:
                'the console calls the admin API over HTTP and must not depend on what is behind it (see CONTRIBUTING.md, "Layers").',
            },
          ],
        },
      ],
    },
  },

  // ---------- tests ----------
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      // Response bodies and parsed JSON are read as `any` on purpose in tests: see the header.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
