import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { RunningServer } from '../../server/app.js';
import { consoleWebDir } from '../../server/console/static.js';

/** Debian's chromium (CI: `apt-get install -y chromium`); Playwright's own download is not used. */
export const CHROMIUM = process.env.SMC_CHROMIUM ?? '/usr/bin/chromium';

/** The console tests need `vite build` output; say how to get it instead of failing obscurely. */
export function requireBuiltConsole(): void {
  const index = path.join(consoleWebDir(), 'index.html');
  if (!existsSync(index)) {
    throw new Error(
      `the web console is not built (${index} is missing): run \`npm run build\` or ` +
        '`npx vite build --config server/console/web/vite.config.ts` first',
    );
  }
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set SMC_CHROMIUM)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/**
 * A page that records what must never happen: a JavaScript dialog (an injected
 * `alert`) or a Content-Security-Policy violation.
 */
export async function watchedPage(
  browser: Browser,
): Promise<{ page: Page; dialogs: string[]; violations: string[] }> {
  // The server certificate comes from the deployment's own CA, which this browser does not know.
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const violations: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return { page, dialogs, violations };
}

export async function signIn(page: Page, server: RunningServer): Promise<void> {
  await page.goto(`${server.consoleUrl}/`);
  await page.fill('#token', server.adminToken);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=computers-total]');
}
