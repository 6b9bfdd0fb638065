import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The two sizes every view is checked at: a laptop and a phone. */
export const screenSizes = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

interface Violation {
  rule: string;
  impact: string | null;
  help: string;
  elements: string[];
}

interface AxeGlobal {
  axe: {
    run(context: unknown): Promise<{
      violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }>;
  };
  document: unknown;
}

/**
 * Runs axe-core (every rule it runs by default: WCAG 2 A and AA, contrast included, and its best
 * practices) on the page as it is now, and fails with what it found: rule, help and elements.
 */
export async function expectNoAxeViolations(page: Page, where: string): Promise<void> {
  // Evaluated through the debugging protocol, not as a page script: the page's policy allows no inline script.
  await page.evaluate(axeSource);
  const violations: Violation[] = await page.evaluate(async () => {
    const scope = globalThis as unknown as AxeGlobal;
    const results = await scope.axe.run(scope.document);
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      elements: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
  });
  expect({ where, violations }).toEqual({ where, violations: [] });
}
