import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { httpsJson, TestAgent } from '../support/agent-client.js';
import { enrollmentToken, testServer } from '../support/server.js';
import { launchChromium, requireBuiltConsole, signIn, watchedPage } from './browser.js';

/**
 * The web console's Rogue machines page on a real server: what a sensor reported, judged by the
 * server (a host name that is markup shows as text), and the admin's two actions.
 */
const WAIT = { timeout: 20_000, interval: 200 };
const XSS = '<img src=x onerror=alert(1)>';

let server: RunningServer;
let browser: Browser;
let page: Page;
let dialogs: string[];
let violations: string[];
let sensor: TestAgent;

beforeAll(async () => {
  requireBuiltConsole();
  server = await testServer();
  sensor = await TestAgent.enroll(
    server.agentUrl,
    server.caCertPem,
    await enrollmentToken(server, 1, 3_600, 'rd-sensor'),
  );
  const seenAt = new Date().toISOString();
  const res = await httpsJson(`${server.agentUrl}/v1/sightings`, {
    ca: server.caCertPem,
    cert: sensor.cert,
    key: sensor.key,
    body: {
      sightings: [
        { mac: '00:50:56:aa:00:01', ip: '10.9.0.1', vendor: 'VMware, Inc.', source: 'arp', seenAt },
        { mac: '00:50:56:aa:00:02', vendor: XSS, source: 'dhcp', hostname: 'intruder', seenAt },
      ],
    },
  });
  expect(res.status).toBe(200);
  browser = await launchChromium();
  ({ page, dialogs, violations } = await watchedPage(browser));
  await page.goto(`${server.consoleUrl}/`);
  await signIn(page, server);
});

afterAll(async () => {
  await browser?.close();
  sensor?.close();
  await server?.close();
});

const rows = () => page.locator('[data-testid=rogue-table] tbody tr[data-mac]');

describe('Rogue machines page in Chromium', () => {
  it('lists what the sensor found, markup in a field shown as text', async () => {
    await page.goto(`${server.consoleUrl}/#/rogue-machines`);
    await expect.poll(() => rows().count(), WAIT).toBe(2);
    await expect
      .poll(() => page.locator('[data-testid=rogue-summary]').textContent(), WAIT)
      .toContain('2 machines');
    const xssRow = page.locator('tr[data-mac="00:50:56:aa:00:02"]');
    expect(await xssRow.locator('td').nth(1).textContent()).toBe(XSS);
    expect(await xssRow.locator('img').count()).toBe(0);
    expect(await xssRow.textContent()).toContain('rogue');
  });

  it('ignore and move to group take machines off the open list', async () => {
    await page.locator('tr[data-mac="00:50:56:aa:00:01"] button', { hasText: 'Ignore' }).click();
    await expect.poll(() => rows().count(), WAIT).toBe(1);
    const other = page.locator('tr[data-mac="00:50:56:aa:00:02"]');
    await other.locator('input').fill('quarantine');
    await other.locator('button', { hasText: 'Move to group' }).click();
    await expect.poll(() => rows().count(), WAIT).toBe(0);
    await page.selectOption('select[aria-label=decision]', 'moved');
    await expect.poll(() => rows().count(), WAIT).toBe(1);
    expect(await page.locator('tr[data-mac="00:50:56:aa:00:02"]').textContent()).toContain(
      'moved to quarantine',
    );
    const stored = await server.pool.query(
      'SELECT mac::text, disposition, target_group FROM sightings ORDER BY mac',
    );
    expect(stored.rows).toEqual([
      { mac: '00:50:56:aa:00:01', disposition: 'ignored', target_group: null },
      { mac: '00:50:56:aa:00:02', disposition: 'moved', target_group: 'quarantine' },
    ]);
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  });
});
