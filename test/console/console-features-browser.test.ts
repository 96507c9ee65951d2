import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateRequest } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { runSmcAsync } from '../bin/run-cli.js';
import { fingerprintOf, TestAgent } from '../support/agent-client.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';
import { launchChromium, requireBuiltConsole } from './browser.js';

/**
 * The console features of issue 20 in real Chromium, at a desktop (1400 px) and a phone
 * (420 px) width, against a real server that a real `smc simulate` fleet replicated to:
 * the server-kept rate series, readable ticks and percentiles, a top bar that fits, server
 * sorting, log search, schema-built policy and task forms, the protection reason, inventory
 * and log tables, clone buttons, saved filters and the audit view. Screenshots are saved.
 */
const HOSTILE = '<img src=x onerror=alert(1)>';
const THREAT = `Win32/Zzqtest.A ${HOSTILE}`;
const WAIT = { timeout: 30_000, interval: 250 };
const VIEWPORTS = [1400, 420] as const;

let server: RunningServer;
let browser: Browser;
let dir: string;
let warned: TestAgent;
const cloned: TestAgent[] = [];

beforeAll(async () => {
  requireBuiltConsole();
  server = await testServer();
  dir = await mkdtemp(path.join(tmpdir(), 'smc-console-features-'));
  const caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, server.caCertPem);
  const token = await enrollmentToken(server, 200);
  // A real simulated fleet, as a user runs it: 30 agents for 12 s at 15 replications/s.
  const run = await runSmcAsync(
    [
      'simulate',
      '--target',
      server.agentUrl,
      '--ca',
      caFile,
      '--enroll-token',
      token,
      '--agents',
      '30',
      '--rate',
      '15/s',
      '--duration',
      '12s',
      '--inventory-change-rate',
      '1',
      '--min-replications',
      '10',
    ],
    120_000,
  );
  expect(run.status, run.stderr).toBe(0);
  // One computer whose protection is a warning for reasons the server can see, carrying
  // hostile text in a detection; two with clone questions (one per viewport).
  warned = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
  const body: ReplicateRequest = warned.body({ logs: 2 });
  body.status = {
    ...body.status,
    protection: 'warning',
    lastUpdate: new Date(Date.now() - 3 * 86_400_000).toISOString(),
  };
  body.logs = body.logs.map((log, i) =>
    i === 0 ? { ...log, type: 'detection', data: { threat: THREAT, action: 'quarantined' } } : log,
  );
  expect((await warned.replicate(body)).status).toBe(200);
  for (const width of VIEWPORTS) {
    const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
    await agent.replicate(agent.body({ hostname: `clone-${width}` }));
    await agent.replicate(
      agent.body({ hostname: `clone-${width}`, fingerprint: fingerprintOf(`copy ${width}`) }),
    );
    cloned.push(agent);
  }
  browser = await launchChromium();
  await mkdir('test-artifacts', { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  warned?.close();
  for (const agent of cloned) agent.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(VIEWPORTS)('console at %i px', (width) => {
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const violations: string[] = [];
  const text = (testId: string) => page.locator(`[data-testid=${testId}]`).first().textContent();
  const shot = (name: string) =>
    page.screenshot({ path: `test-artifacts/console-${name}-${width}.png`, fullPage: true });
  /** Nothing on the page runs off its right edge (tables scroll inside their own box). */
  const noPageOverflow = () =>
    page.evaluate<boolean>(
      'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
    );

  beforeAll(async () => {
    context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width, height: 900 },
    });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.consoleUrl}/`);
    await page.fill('#token', server.adminToken);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=computers-total]');
  });
  afterAll(() => context?.close());

  it('fits the top bar: every link visible, nothing overflowing', async () => {
    const nav = await page.evaluate<{ fits: boolean; rightmost: number; links: number }>(`(() => {
      const bar = document.querySelector('nav');
      const links = [...bar.querySelectorAll('a, button')].map((el) => el.getBoundingClientRect());
      return {
        fits: bar.scrollWidth <= bar.clientWidth,
        rightmost: Math.max(...links.map((r) => r.right)),
        links: links.length,
      };
    })()`);
    expect(nav.fits).toBe(true);
    // Overview, Computers, Logs, Tasks, Policy, Rogue machines, Audit, Rehearsal, sign out.
    expect(nav.links).toBe(9);
    expect(nav.rightmost).toBeLessThanOrEqual(width);
    expect(await noPageOverflow()).toBe(true);
  });

  it('shows the rate series the server kept, clock ticks and percentiles at once', async () => {
    // A fresh sign-in: the samples of the simulate run are there on the first poll.
    await expect
      .poll(
        async () => Number(await page.getAttribute('[data-testid=rate-chart]', 'data-samples')),
        WAIT,
      )
      .toBeGreaterThanOrEqual(5);
    const ticks = (await page.getAttribute('[data-testid=rate-chart]', 'data-x-ticks')) ?? '';
    const labels = ticks.split(' ').filter(Boolean);
    expect(labels.length).toBeGreaterThan(1);
    for (const label of labels) expect(label).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(new Set(labels).size).toBe(labels.length);
    await expect
      .poll(() => text('replication-latency'), WAIT)
      .toMatch(/^(–|[\d.]+ ms \/ [\d.]+ ms \/ [\d.]+ ms)$/);
    await expect.poll(() => text('offline-trend'), WAIT).toMatch(/^Offline/);
    expect(await page.locator('[data-testid=trend-chart] canvas').count()).toBe(1);
    expect(
      Number(await page.getAttribute('[data-testid=offline-chart]', 'data-samples')),
    ).toBeGreaterThanOrEqual(1);
    expect(await noPageOverflow()).toBe(true);
    await shot('overview');
  });

  it('sorts computers on the server, with the agent version column', async () => {
    await page.goto(`${server.consoleUrl}/#/computers`);
    const hostnames = () =>
      page.locator('[data-testid=computers-table] tbody td.hostname').allTextContents();
    await expect.poll(async () => (await hostnames()).length, WAIT).toBeGreaterThanOrEqual(33);
    const ascending = await hostnames();
    await page.click('button[data-sort=hostname]');
    await expect.poll(hostnames, WAIT).toEqual([...ascending].reverse());
    expect(await page.getAttribute('th[data-sort=hostname]', 'aria-sort')).toBe('descending');
    await page.click('button[data-sort=agentVersion]');
    await expect
      .poll(() => page.getAttribute('th[data-sort=agentVersion]', 'aria-sort'), WAIT)
      .toBe('ascending');
    const versions = await page.locator('td[data-col=agentVersion]').allTextContents();
    expect(versions.every((v) => /^\d+\.\d+/.test(v))).toBe(true);
    // The simulated agents report their address in their inventory, as Fleet's agents do.
    const ips = await page.locator('td[data-col=ip]').allTextContents();
    expect(ips.filter((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip)).length).toBeGreaterThanOrEqual(
      30,
    );
    await page.click('button[data-sort=hostname]');
    await expect.poll(hostnames, WAIT).toEqual(ascending);
    expect(await noPageOverflow()).toBe(true);
    await shot('computers');
  });

  it('saves a filter and applies it again', async () => {
    await page.goto(`${server.consoleUrl}/#/computers`);
    const { body } = await consoleCall<{ total: number }>(server, '/api/computers?status=warning');
    expect(body.total).toBeGreaterThanOrEqual(1);
    const warnedOnly = `Page 1 of 1 · 1–${body.total} of ${body.total}`;
    await page.selectOption('select[aria-label=status]', 'warning');
    await expect.poll(() => text('page-summary'), WAIT).toBe(warnedOnly);
    await page.fill('input[aria-label="filter name"]', `warned ${width}`);
    await page.click('button:has-text("Save filter")');
    await page.selectOption('select[aria-label=status]', '');
    await expect.poll(() => text('page-summary'), WAIT).not.toBe(warnedOnly);
    await page.selectOption('select[aria-label="saved filters"]', { label: `warned ${width}` });
    await expect.poll(() => text('page-summary'), WAIT).toBe(warnedOnly);
    expect(await page.inputValue('select[aria-label=status]')).toBe('warning');
    await page.selectOption('select[aria-label=status]', '');
  });

  it('says why protection is a warning, and shows inventory and logs as tables', async () => {
    await page.goto(`${server.consoleUrl}/#/computers/${warned.id}`);
    await expect
      .poll(() => page.locator('[data-testid=protection-reasons] li').allTextContents(), WAIT)
      .toEqual([
        'detection modules last updated 3 day(s) ago (over a day old)',
        '1 detection in the last 24 hours',
      ]);
    const logData = page.locator('[data-testid=computer-logs] td.log-data').first();
    await expect.poll(() => logData.locator('dd').first().textContent(), WAIT).toBeTruthy();
    expect(await page.locator('[data-testid=computer-logs] dd', { hasText: THREAT }).count()).toBe(
      1,
    );
    expect(await page.locator('main img').count()).toBe(0);
    const table = await page.evaluate<number>(
      "document.querySelector('[data-testid=computer-logs]').getBoundingClientRect().right",
    );
    expect(table).toBeLessThanOrEqual(width);
    expect(await noPageOverflow()).toBe(true);
    await shot('computer-warning');

    // A simulated computer carries an inventory: hardware and software as tables.
    const { rows } = await server.pool.query<{ agent_id: string }>(
      'SELECT agent_id FROM inventories WHERE software IS NOT NULL ORDER BY agent_id LIMIT 1',
    );
    await page.goto(`${server.consoleUrl}/#/computers/${rows[0]?.agent_id}`);
    await expect
      .poll(() => page.locator('[data-testid=inventory-hardware] tr').count(), WAIT)
      .toBeGreaterThan(0);
    expect(await page.locator('[data-testid=inventory-software] tbody tr').count()).toBeGreaterThan(
      0,
    );
    expect(await page.locator('pre.json').count()).toBe(0);
    expect(await noPageOverflow()).toBe(true);
    await shot('computer-inventory');
  });

  it('answers a clone question with one of the four buttons', async () => {
    const agent = cloned[VIEWPORTS.indexOf(width)] as TestAgent;
    await page.goto(`${server.consoleUrl}/#/computers/${agent.id}`);
    const buttons = page.locator('[data-testid=computer-clone] button[data-resolution]');
    await expect.poll(() => buttons.count(), WAIT).toBe(4);
    await page.click('[data-testid=computer-clone] button[data-resolution=accept-hardware-change]');
    await expect.poll(() => page.locator('[data-testid=computer-clone]').count(), WAIT).toBe(0);
    const { body } = await consoleCall<{ items: { agentId: string; resolution: string | null }[] }>(
      server,
      '/api/clones',
    );
    expect(body.items.find((q) => q.agentId === agent.id)?.resolution).toBe(
      'accept-hardware-change',
    );
  });

  it('searches logs across computers, by text and by type, hostile text inert', async () => {
    await page.goto(`${server.consoleUrl}/#/logs`);
    const rows = page.locator('[data-testid=log-table] tbody tr');
    await expect.poll(() => rows.count(), WAIT).toBe(50);
    await page.fill('input[aria-label="log text"]', 'zzqtest');
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    expect(await rows.first().locator('td.hostname').textContent()).toBe(
      `pc-${warned.id.slice(0, 8)}`,
    );
    expect(await rows.first().locator('dd', { hasText: 'Zzqtest' }).textContent()).toBe(THREAT);
    expect(await page.locator('main img').count()).toBe(0);
    await page.fill('input[aria-label="log text"]', '');
    await page.selectOption('select[aria-label="log type"]', 'detection');
    await expect
      .poll(async () => {
        const types = await rows.locator('td .badge').allTextContents();
        return types.length > 1 && types.every((t) => t === 'detection');
      }, WAIT)
      .toBe(true);
    expect(await noPageOverflow()).toBe(true);
    await shot('logs');
    await page.selectOption('select[aria-label="log type"]', '');
  });

  it('builds the policy form from the schema, shows what is wrong, and saves', async () => {
    await page.goto(`${server.consoleUrl}/#/policy`);
    const interval = page.locator('#policy-updateIntervalMinutes');
    await interval.waitFor();
    expect(await interval.getAttribute('type')).toBe('number');
    expect(await interval.getAttribute('min')).toBe('15');
    expect(await page.locator('#policy-updateChannel option').allTextContents()).toEqual([
      'not set (default stable)',
      'stable',
      'pre-release',
      'delayed',
    ]);
    const before = Number(await text('policy-version'));
    await interval.fill('5');
    await page.click('button:has-text("Save policy")');
    await expect
      .poll(() => page.locator('[data-field-error=updateIntervalMinutes]').textContent(), WAIT)
      .toBe('Update check every (minutes): must be at least 15');
    expect(await text('policy-message')).toBe('Not saved: fix the fields marked above.');
    await interval.fill(String(30 + width));
    await page.selectOption('#policy-scanOnAccess', 'false');
    await page.click('button:has-text("Save policy")');
    await expect.poll(() => text('policy-version'), WAIT).toBe(String(before + 1));
    const saved = await consoleCall<{ settings: Record<string, unknown> }>(server, '/api/policy');
    expect(saved.body.settings).toMatchObject({
      updateIntervalMinutes: 30 + width,
      scanOnAccess: false,
    });
    expect(await noPageOverflow()).toBe(true);
    await shot('policy');
  });

  it('builds task parameters from the schema of the chosen type and creates the task', async () => {
    await page.goto(`${server.consoleUrl}/#/tasks`);
    await page
      .locator('[data-testid=task-params] select, [data-testid=task-params] input')
      .first()
      .waitFor();
    await page.selectOption('#task-type', 'software-install');
    const pkg = page.locator('#task-param-package');
    await pkg.waitFor();
    await page.check('#target-all');
    await page.click('button:has-text("Create task")');
    await expect
      .poll(() => page.locator('[data-field-error=package]').textContent(), WAIT)
      .toBe('Package URL: is required');
    await pkg.fill(`https://repo.example.com/agent-${width}.msi`);
    await page.click('button:has-text("Create task")');
    await expect
      .poll(() => text('task-message'), WAIT)
      .toMatch(/^Task created for \d+ computers\.$/);
    // The component upgrade (issue 18) from its own schema, and the version mix beside it.
    await page.selectOption('#task-type', 'upgrade-agent');
    const version = page.locator('#task-param-version');
    await version.waitFor();
    await version.fill(`7.3.${width}`);
    await page.click('button:has-text("Create task")');
    await expect
      .poll(() => text('task-message'), WAIT)
      .toMatch(/^Task created for \d+ computers\.$/);
    await expect
      .poll(() => page.locator('[data-testid=agent-versions]').textContent(), WAIT)
      .toContain('7.0.0-smc-sim');
    expect(await noPageOverflow()).toBe(true);
    await shot('tasks');
  });

  it('lists the admin actions in the audit view', async () => {
    await page.goto(`${server.consoleUrl}/#/audit`);
    const routes = () =>
      page
        .locator('[data-testid=audit-table] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-audit-route')));
    await expect.poll(routes, WAIT).toEqual(expect.arrayContaining(['/api/policy', '/api/tasks']));
    expect(
      await page
        .locator('[data-testid=audit-table] tbody tr', { hasText: `agent-${width}.msi` })
        .count(),
    ).toBe(1);
    expect(await noPageOverflow()).toBe(true);
    await shot('audit');
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  });
});
