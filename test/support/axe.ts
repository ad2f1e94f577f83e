import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page as it is, CSP and all: the script goes in through the DevTools
 * protocol (page.evaluate), which a page's CSP does not govern, not as an inline <script>.
 * Returns the serious and critical violations (WCAG 2.x A/AA rules and best practices).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(source);
  // A string, so the test's TypeScript (no DOM library) needs no browser types.
  const { violations, passed } = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) => ({
    passed: result.passes.length,
    violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })),
  }))`)) as { violations: AxeViolation[]; passed: number };
  // Proof that the rules ran on this page at all (an empty result from a script that never ran would pass).
  if (passed < 10) throw new Error(`axe-core checked only ${passed} rules on ${page.url()}`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
