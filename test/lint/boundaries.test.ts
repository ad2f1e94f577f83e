import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// Proves that eslint.config.js enforces the layers of DESIGN.md section 5 (see CONTRIBUTING.md, "Layers").
// The code under test is a string linted as if it lived at a path inside src/: nothing is written to disk,
// so neither `npm run lint` nor tsc ever sees these fixtures. The boundary rules work on import specifiers
// and resolved paths only, so type information is switched off for these virtual files (the TypeScript
// project does not know them).

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

const BOUNDARY_RULES = new Set([
  'no-restricted-imports',
  'no-restricted-syntax',
  'import-x/no-restricted-paths',
  'import-x/no-extraneous-dependencies',
]);

/** The boundary findings for `code` placed at `file` (relative to the repository root). */
async function boundaryErrors(file: string, code: string): Promise<{ line: number; rule: string; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const fatal = result!.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`the fixture does not parse: ${fatal.map((m) => m.message).join('; ')}`);
  return result!.messages
    .filter((m) => m.ruleId && BOUNDARY_RULES.has(m.ruleId))
    .map((m) => ({ line: m.line, rule: m.ruleId!, message: m.message }));
}

describe('domain folders know nothing of HTTP, the protocol library or the database', () => {
  const forbidden: [string, string][] = [
    ["import Koa from 'koa';", 'no-restricted-imports'],
    ["import type { Context } from 'koa';", 'no-restricted-imports'],
    ["import Router from '@koa/router';", 'no-restricted-imports'],
    ["import mount from 'koa-mount';", 'no-restricted-imports'],
    ["import Provider from 'oidc-provider';", 'no-restricted-imports'],
    ["import { DatabaseSync } from 'node:sqlite';", 'no-restricted-imports'],
    ["import { MongoClient } from 'mongodb';", 'no-restricted-imports'],
    ["export { default } from 'koa';", 'no-restricted-imports'],
    ["export const load = () => import('mongodb');", 'no-restricted-syntax'],
    ["import { openStorage } from '../storage/open.js';", 'import-x/no-restricted-paths'],
    ["import { openSqlite } from '../storage/sqlite/index.js';", 'import-x/no-restricted-paths'],
    ["import { adminRoutes } from '../admin/index.js';", 'import-x/no-restricted-paths'],
    ["import { interactionRoutes } from '../interactions/routes.js';", 'import-x/no-restricted-paths'],
    ["import { page } from '../views/layout.js';", 'import-x/no-restricted-paths'],
    ["import { readForm } from '../web/body.js';", 'import-x/no-restricted-paths'],
    ["import { profileRoutes } from '../profile/routes.js';", 'import-x/no-restricted-paths'],
    ["import { setPasswordRoutes } from '../set-password/routes.js';", 'import-x/no-restricted-paths'],
    ["import { createProvider } from '../oidc/provider.js';", 'import-x/no-restricted-paths'],
    ["import { main } from '../cli/main.js';", 'import-x/no-restricted-paths'],
    ["import { createIdp } from '../app.js';", 'import-x/no-restricted-paths'],
    ["export const load = () => import('../admin/index.js');", 'import-x/no-restricted-paths'],
    ["import { chromium } from 'playwright-core';", 'import-x/no-extraneous-dependencies'],
  ];

  test.each(forbidden)('src/accounts refuses %s', async (line, rule) => {
    const errors = await boundaryErrors('src/accounts/fixture-bad.ts', `${line}\n`);
    expect(errors.map((e) => e.rule)).toEqual([rule]);
    expect(errors[0]!.message).toMatch(/must not depend|should be listed in the project's dependencies/);
  });

  test('every domain folder, nested files included, is covered', async () => {
    const folders = [
      'accounts',
      'tenants',
      'clients',
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
    for (const folder of folders) {
      const errors = await boundaryErrors(
        `src/${folder}/fixture-bad.ts`,
        "import Koa from 'koa';\nimport { openStorage } from '../storage/open.js';\n",
      );
      expect({ folder, rules: errors.map((e) => e.rule) }).toEqual({
        folder,
        rules: ['no-restricted-imports', 'import-x/no-restricted-paths'],
      });
    }
    const nested = await boundaryErrors(
      'src/federation/connectors/fixture-bad.ts',
      "import type { Context } from 'koa';\nimport { readForm } from '../../web/body.js';\nimport { openStorage } from '../../storage/open.js';\n",
    );
    expect(nested.map((e) => [e.line, e.rule])).toEqual([
      [1, 'no-restricted-imports'],
      [2, 'import-x/no-restricted-paths'],
      [3, 'import-x/no-restricted-paths'],
    ]);
  });

  test('the storage port and its errors are storage: the domain declares its own repository interfaces', async () => {
    for (const target of ['../storage/port.js', '../storage/errors.js']) {
      const errors = await boundaryErrors(
        'src/accounts/fixture-bad.ts',
        `import type { Storage } from '${target}';\nexport type Used = Storage;\n`,
      );
      expect({ target, rules: errors.map((e) => e.rule) }).toEqual({ target, rules: ['import-x/no-restricted-paths'] });
    }
  });

  test('what the domain may use passes', async () => {
    const code = [
      "import { randomBytes } from 'node:crypto';",
      "import { z } from 'zod';",
      "import * as oidc from 'openid-client';",
      "import { DomainError } from '../errors.js';",
      "import { parseOrThrow } from '../validation.js';",
      "import { html } from '../html.js';",
      "import type { Logger } from '../log/logger.js';",
      "import type { Tenant } from '../tenants/types.js';",
      "import type { Account } from './types.js';",
      "import type { AccountRepository } from '../accounts/repository.js';",
      "import { ConflictError } from '../errors.js';",
      "import { newId } from '../ids.js';",
      'export const used = [randomBytes, z, oidc, DomainError, parseOrThrow, html, ConflictError, newId];',
      'export type Used = [Logger, Tenant, Account, AccountRepository];',
      '',
    ].join('\n');
    expect(await boundaryErrors('src/accounts/fixture-good.ts', code)).toEqual([]);
    expect(await boundaryErrors('src/federation/connectors/fixture-good.ts', code.replaceAll("'../", "'../../"))).toEqual([]);
  });
});

describe('the console is a client of the admin API, never of what is behind it', () => {
  test.each([
    "import { createServices } from '../services.js';",
    "import { adminOperations } from '../operations/index.js';",
    "import { openStorage } from '../storage/open.js';",
    "import { problemJson } from '../admin/problem.js';",
    "import { AccountService } from '../accounts/service.js';",
    "import { tenantPolicySchema } from '../policy/schema.js';",
    "import { RoleService } from '../roles/service.js';",
    "export const load = () => import('../tenants/service.js');",
  ])('src/console refuses %s', async (line) => {
    const errors = await boundaryErrors('src/console/fixture-bad.ts', `${line}\n`);
    expect(errors.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
    expect(errors[0]!.message).toMatch(/the console calls the admin API/);
  });

  test('web helpers, the kernel, crypto, i18n and config pass', async () => {
    const code = [
      "import { readForm } from '../web/body.js';",
      "import { html } from '../html.js';",
      "import { FieldCipher } from '../crypto/field-cipher.js';",
      "import { ct } from '../i18n/console-messages.js';",
      "import { FLOW_STATE_TTL_MS } from '../config/defaults.js';",
      "import { ACR_MFA } from '../oidc/settings.js';",
      'export const used = [readForm, html, FieldCipher, ct, FLOW_STATE_TTL_MS, ACR_MFA];',
      '',
    ].join('\n');
    expect(await boundaryErrors('src/console/fixture-good.ts', code)).toEqual([]);
  });

  test('the domain does not reach into the console', async () => {
    const errors = await boundaryErrors('src/accounts/fixture-bad.ts', "import { createConsole } from '../console/index.js';\n");
    expect(errors.map((e) => e.rule)).toEqual(['import-x/no-restricted-paths']);
  });
});

describe('storage knows nothing of HTTP', () => {
  const forbidden: [string, string][] = [
    ["import Koa from 'koa';", 'no-restricted-imports'],
    ["import Router from '@koa/router';", 'no-restricted-imports'],
    ["import type { Adapter } from 'oidc-provider';", 'no-restricted-imports'],
    ["import { readForm } from '../../web/body.js';", 'import-x/no-restricted-paths'],
    ["import { adminRoutes } from '../../admin/index.js';", 'import-x/no-restricted-paths'],
    ["import { interactionRoutes } from '../../interactions/routes.js';", 'import-x/no-restricted-paths'],
    ["import { page } from '../../views/layout.js';", 'import-x/no-restricted-paths'],
    ["import { profileRoutes } from '../../profile/routes.js';", 'import-x/no-restricted-paths'],
    ["import { setPasswordRoutes } from '../../set-password/routes.js';", 'import-x/no-restricted-paths'],
  ];

  test.each(forbidden)('src/storage/sqlite refuses %s', async (line, rule) => {
    const errors = await boundaryErrors('src/storage/sqlite/fixture-bad.ts', `${line}\n`);
    expect(errors.map((e) => e.rule)).toEqual([rule]);
  });

  test('drivers and the domain types it stores pass', async () => {
    const code = [
      "import { DatabaseSync } from 'node:sqlite';",
      "import { MongoClient } from 'mongodb';",
      "import type { Account } from '../../accounts/types.js';",
      "import type { Storage } from '../port.js';",
      'export const used = [DatabaseSync, MongoClient];',
      'export type Used = [Account, Storage];',
      '',
    ].join('\n');
    expect(await boundaryErrors('src/storage/sqlite/fixture-good.ts', code)).toEqual([]);
  });
});

describe('dependencies', () => {
  test('tests and benchmarks may import devDependencies', async () => {
    const code =
      "import { chromium } from 'playwright-core';\nimport { SMTPServer } from 'smtp-server';\nexport const used = [chromium, SMTPServer];\n";
    expect(await boundaryErrors('test/lint/fixture-good.ts', code)).toEqual([]);
  });

  test('production code may not import a package that is not declared at all', async () => {
    const errors = await boundaryErrors('src/web/fixture-bad.ts', "import compose from 'koa-compose';\nexport const used = compose;\n");
    expect(errors.map((e) => e.rule)).toEqual(['import-x/no-extraneous-dependencies']);
  });
});
