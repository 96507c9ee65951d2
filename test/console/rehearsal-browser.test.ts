import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { consoleCall, testServer } from '../support/server.js';
import { launchChromium, requireBuiltConsole, signIn, watchedPage } from './browser.js';
import { finishedRehearsal } from './rehearsal-sample.js';

const WAIT = { timeout: 20_000, interval: 200 };
const FLEET_REPORT = '<!doctype html><title>fleet report</title><p>every log verified</p>';

let server: RunningServer;
let browser: Browser;
let page: Page;
let dialogs: string[];
let violations: string[];

const text = (testId: string) => page.locator(`[data-testid=${testId}]`).first().textContent();

beforeAll(async () => {
  requireBuiltConsole();
  const reportsDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearsal-reports-'));
  await writeFile(path.join(reportsDir, 'fleet.html'), FLEET_REPORT);
  server = await testServer({ rehearsalReportsDir: reportsDir });
  browser = await launchChromium();
  ({ page, dialogs, violations } = await watchedPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('Rehearsal page in Chromium', () => {
  it('says no rehearsal has reported yet', async () => {
    await signIn(page, server);
    await page.click('nav a[data-route=rehearsal]');
    await expect.poll(() => page.isVisible('[data-testid=rehearsal-none]'), WAIT).toBe(true);
  });

  it('follows a running rehearsal: phase and the latest second of its curve', async () => {
    const running = {
      ...finishedRehearsal(),
      phase: 'capacity' as const,
      capacitySteps: [],
      reports: [],
      verdict: undefined,
    };
    const put = await consoleCall(server, '/api/rehearsal', 'PUT', running);
    expect(put.status).toBe(200);
    await expect.poll(() => text('rehearsal-phase'), WAIT).toContain('Capacity search');
    expect(await text('rehearsal-latest')).toContain(
      'second 29: 390/s scheduled, 356/s achieved, 3 failed, p50 4 ms, p99 41 ms',
    );
    expect(await text('rehearsal-verdict')).toBe('When the fleet run ends.');
    // uPlot draws the three series onto its canvas, with a legend naming them.
    expect(await page.locator('[data-testid=rehearsal-chart] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid=rehearsal-chart] .u-legend').textContent()).toMatch(
      /scheduled \/ s.*achieved \/ s.*p99 ms/,
    );
  });

  it('shows the capacity steps, the verdict, and saves a report', async () => {
    const put = await consoleCall(server, '/api/rehearsal', 'PUT', finishedRehearsal());
    expect(put.status).toBe(200);
    await expect.poll(() => text('rehearsal-verdict-word'), WAIT).toBe('PASS');
    expect(await text('rehearsal-phase')).toContain('Finished');
    expect(await text('rehearsal-verdict')).toContain('capacity 100/s is 58.8x the required 1.7/s');
    expect(await text('rehearsal-verdict')).toContain('×58.8');
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console-rehearsal.png', fullPage: true });
    const rows = page.locator('[data-testid=rehearsal-steps] tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toBe('180151.2412 ms0.2 %no');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[data-report="fleet.html"]'),
    ]);
    expect(download.suggestedFilename()).toBe('fleet.html');
    const saved = await download.path();
    expect(await readFile(saved, 'utf8')).toBe(FLEET_REPORT);

    // capacity.html was never written in this test: the page says so instead of saving.
    await page.click('button[data-report="capacity.html"]');
    await expect
      .poll(() => page.locator('#view [role=status]').textContent(), WAIT)
      .toContain('capacity.html has not been written yet');
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  });
});
