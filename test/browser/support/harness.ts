import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createApp } from '../../../apps/api/src/app.js';
import { loadConfig, projectRoot } from '../../../apps/api/src/config.js';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Every wait of the browser suites is bounded by this. */
export const waitMs = 15_000;
const artifacts = path.join(projectRoot, 'test/artifacts');

if (!hasChromium && !process.env.CI) {
  process.stdout.write('skipped: chromium not installed (apt-get install -y chromium)\n');
}
/** `describe` where Chromium runs; locally a missing browser skips, in CI it fails loudly (in `beforeAll`). */
export const describeInBrowser = hasChromium || process.env.CI ? describe : describe.skip;

export interface BrowserHarness {
  /** The real server, as `npm start` runs it, on a port of its own. */
  readonly app: NestExpressApplication;
  readonly baseUrl: string;
  /** The server's SQLite file, for a suite to check what was stored (open it read-only). */
  readonly databaseFile: string;
  /** One page per person, each in a persistent Chromium profile of its own (storage, token). */
  readonly pages: Page[];
}

/**
 * Registers the suite's `beforeAll`/`afterAll`: boots the real server with its own SQLite file
 * (and `env` on top of the usual settings) and opens `people` Chromium profiles; everything is
 * closed and deleted afterwards. The returned object is filled in by `beforeAll`.
 */
export function useBrowsers({
  people = 2,
  env = {},
}: { people?: number; env?: Record<string, string> } = {}): BrowserHarness {
  let app: NestExpressApplication | undefined;
  const harness = {
    get app(): NestExpressApplication {
      if (!app) throw new Error('the server is not up: use the harness inside a test');
      return app;
    },
    baseUrl: '',
    databaseFile: '',
    pages: [] as Page[],
  };
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`CI is set but ${chromiumPath} is missing: install it with "apt-get install -y chromium"`);
    }
    buildWebIfStale();

    const dataDir = mkdtempSync(path.join(tmpdir(), 'tandem-browser-'));
    dirs.push(dataDir);
    harness.databaseFile = path.join(dataDir, 'tandem.db');
    app = await createApp(
      loadConfig({
        ...process.env,
        DATABASE_URL: `file:${harness.databaseFile}`,
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...env,
      }),
    );
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    harness.baseUrl = `http://127.0.0.1:${port}`;

    for (let index = 0; index < people; index++) {
      const profile = mkdtempSync(path.join(tmpdir(), 'tandem-chromium-'));
      dirs.push(profile);
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: chromiumArgs,
        viewport: { width: 1280, height: 800 },
        timeout: waitMs,
      });
      context.setDefaultTimeout(waitMs);
      await context.addInitScript(recordPolicyViolations);
      contexts.push(context);
      harness.pages.push(context.pages()[0] ?? (await context.newPage()));
    }
  }, 120_000);

  // The page's Content-Security-Policy is never broken, whatever the test did.
  afterEach(async () => {
    for (const page of harness.pages) {
      const violations = await page
        .evaluate(() => (globalThis as unknown as PageGlobals).policyViolations ?? [])
        .catch(() => []);
      expect(violations).toEqual([]);
    }
  });

  afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await app?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  return harness;
}

/** What a page's scripts see of it, for the functions run inside it (the suites have no DOM types). */
interface PageGlobals {
  policyViolations?: string[];
  document: {
    addEventListener(type: 'securitypolicyviolation', listener: (event: PolicyViolation) => void): void;
  };
}
interface PolicyViolation {
  violatedDirective: string;
  blockedURI: string;
}

/** Runs in every page before its own scripts: keeps what the page's policy blocked. */
function recordPolicyViolations(): void {
  const page = globalThis as unknown as PageGlobals;
  const violations: string[] = [];
  page.policyViolations = violations;
  page.document.addEventListener('securitypolicyviolation', (event) => {
    violations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`);
  });
}

/** What a person does first: open the app, sign in by name, and go to a view (chat by default). */
export async function signIn(
  page: Page,
  baseUrl: string,
  name: string,
  section?: 'scoreboard' | 'lists',
): Promise<void> {
  await page.goto(baseUrl, { timeout: waitMs });
  await page.getByTestId('signin-name').fill(name, { timeout: waitMs });
  await page.getByTestId('signin-submit').click({ timeout: waitMs });
  if (section) await page.getByTestId(`section-${section}`).click({ timeout: waitMs });
  await connectedBadge(page).waitFor({ timeout: waitMs });
}

export function connectedBadge(page: Page): Locator {
  return page.locator('[data-testid="connection-badge"][data-state="connected"]');
}

/** Keeps a picture of the page in `test/artifacts/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), timeout: waitMs });
}

/**
 * Moves the pointer to the page's bottom-left corner, away from any table: a scoreboard holds its
 * rows in place while the pointer is over them.
 */
export async function pointerAway(page: Page): Promise<void> {
  await page.mouse.move(5, (page.viewportSize()?.height ?? 800) - 10);
}

/** Polls `read` until it returns `expected` (compared as JSON), failing with what was seen last. */
export async function until<T>(page: Page, what: string, read: () => Promise<T>, expected: T): Promise<void> {
  const deadline = Date.now() + waitMs;
  let seen: T | undefined;
  while (Date.now() < deadline) {
    seen = await read().catch(() => seen);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${what} shows ${JSON.stringify(seen)}, not ${JSON.stringify(expected)}`);
}

/** The server serves `apps/web/dist`: rebuilt when missing or older than what it is built from. */
function buildWebIfStale(): void {
  const built = path.join(projectRoot, 'apps/web/dist/index.html');
  const sources = [
    'apps/web/src',
    'apps/web/public',
    'apps/web/index.html',
    'apps/web/vite.config.ts',
    'packages/contract/dist',
  ];
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const stale = sources.some((source) => newestChange(path.join(projectRoot, source)) > builtAt);
  if (!stale) return;
  // Jest sets NODE_ENV=test, which would make Vite build for development (Svelte's dev runtime,
  // no service worker): build what `npm run build` builds.
  execFileSync('npm', ['run', 'build', '-w', '@tandem/web'], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
    timeout: 120_000,
  });
}

function newestChange(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((entry) => newestChange(path.join(file, entry))));
}
