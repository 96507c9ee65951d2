import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { TestAgent } from '../support/agent-client.js';
import { enrollmentToken, testServer } from '../support/server.js';
import { launchChromium, requireBuiltConsole, signIn, watchedPage } from './browser.js';

const XSS_HOSTNAME = '<img src=x onerror=alert(1)>';
const WAIT = { timeout: 20_000, interval: 200 };

let server: RunningServer;
let browser: Browser;
let page: Page;
let dialogs: string[];
let violations: string[];
let agents: TestAgent[];
let xssAgent: TestAgent;

const text = (testId: string) => page.locator(`[data-testid=${testId}]`).first().textContent();

beforeAll(async () => {
  requireBuiltConsole();
  server = await testServer();
  const token = await enrollmentToken(server);
  agents = await Promise.all(
    Array.from({ length: 4 }, () => TestAgent.enroll(server.agentUrl, server.caCertPem, token)),
  );
  xssAgent = await TestAgent.enroll(server.agentUrl, server.caCertPem, token);
  browser = await launchChromium();
  ({ page, dialogs, violations } = await watchedPage(browser));
});

afterAll(async () => {
  await browser?.close();
  for (const agent of agents ?? []) agent.close();
  xssAgent?.close();
  await server?.close();
});

async function replicateAll(): Promise<void> {
  const answers = await Promise.all([
    ...agents.map((agent) => agent.replicate(agent.body({ logs: 1 }))),
    xssAgent.replicate(xssAgent.body({ logs: 1, hostname: XSS_HOSTNAME })),
  ]);
  for (const answer of answers) expect(answer.status).toBe(200);
}

describe('web console in Chromium', () => {
  it('refuses a wrong token, then signs in with the admin token', async () => {
    await page.goto(`${server.consoleUrl}/`);
    await page.fill('#token', 'not-the-admin-token');
    await page.click('button[type=submit]');
    await expect
      .poll(() => page.locator('#sign-in-error').textContent(), WAIT)
      .toBe('That token was not accepted.');
    expect(page.url()).not.toContain(server.adminToken);
    await signIn(page, server);
    expect(page.url()).not.toContain(server.adminToken);
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('shows the overview updating while agents replicate, and saves a screenshot', async () => {
    await page.goto(`${server.consoleUrl}/#/overview`);
    // About five polls' worth of replications, so the chart draws a curve.
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      await replicateAll();
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    const replications = rounds * (agents.length + 1);
    await expect.poll(() => text('computers-total'), WAIT).toBe('5');
    await expect
      .poll(() => text('replication-rate-detail'), WAIT)
      .toContain(`${replications} answered`);
    await expect.poll(() => text('replication-latency'), WAIT).toMatch(/ms|–/);
    expect(await text('queue-depth')).toMatch(/^\d+$/);
    expect(await text('replication-interval')).toBe('60 s');
    expect(await page.locator('[data-testid=rate-chart] canvas').count()).toBe(1);
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console-overview.png', fullPage: true });
  });

  it('pages through computers on the server, with filters', async () => {
    // 121 more computers straight into the database: paging needs rows, not live agents.
    await server.pool.query(
      `INSERT INTO computers (agent_id, hostname, os_family, os_name, os_version, agent_version,
         fingerprint, protection, modules_version, last_update, uptime_seconds)
       SELECT gen_random_uuid(), 'host-' || lpad(n::text, 3, '0'), 'linux', 'Debian 12', '12', '1.0.0',
         md5(n::text), CASE WHEN n % 10 = 0 THEN 'critical' ELSE 'ok' END, '2026.11.1', now(), 60
       FROM generate_series(1, 121) AS n`,
    );
    await page.goto(`${server.consoleUrl}/#/computers`);
    const summary = () => text('page-summary');
    await expect.poll(summary, WAIT).toBe('Page 1 of 3 · 1–50 of 126');
    expect(await page.locator('[data-testid=computers-table] tbody tr').count()).toBe(50);
    await page.click('text=Next →');
    await expect.poll(summary, WAIT).toBe('Page 2 of 3 · 51–100 of 126');
    await page.click('text=Next →');
    await expect.poll(summary, WAIT).toBe('Page 3 of 3 · 101–126 of 126');
    expect(await page.locator('button:has-text("Next →")').isDisabled()).toBe(true);

    await page.selectOption('select[aria-label=status]', 'critical');
    await expect.poll(summary, WAIT).toBe('Page 1 of 1 · 1–12 of 12');
    await page.selectOption('select[aria-label=status]', '');
    await page.selectOption('select[aria-label=OS]', 'windows');
    await expect.poll(summary, WAIT).toBe('Page 1 of 1 · 1–5 of 5');
    await page.selectOption('select[aria-label=OS]', '');
    await page.fill('input[aria-label=hostname]', 'host-01');
    await expect.poll(summary, WAIT).toBe('Page 1 of 1 · 1–10 of 10');
    await page.fill('input[aria-label=hostname]', '');
    await expect.poll(summary, WAIT).toBe('Page 1 of 3 · 1–50 of 126');
  });

  it('renders a hostname carrying markup as inert text', async () => {
    await page.goto(`${server.consoleUrl}/#/computers`);
    await page.fill('input[aria-label=hostname]', '<img');
    await expect.poll(() => text('page-summary'), WAIT).toBe('Page 1 of 1 · 1–1 of 1');
    const link = page.locator('[data-testid=computers-table] td.hostname a');
    expect(await link.textContent()).toBe(XSS_HOSTNAME);
    expect(await link.isVisible()).toBe(true);
    expect(await page.locator('main img').count()).toBe(0);

    await link.click();
    await expect.poll(() => page.locator('main h1').textContent(), WAIT).toBe(XSS_HOSTNAME);
    expect(await page.locator('main img').count()).toBe(0);
    // Recent logs are agent text too: each data field shown as text.
    const data = page.locator('[data-testid=computer-logs] td.log-data').first();
    await expect.poll(() => data.locator('dt').allTextContents(), WAIT).toEqual(['n', 'message']);
    expect(await data.locator('dd').nth(1).textContent()).toMatch(/^log \d+$/);
    expect(dialogs).toEqual([]);
  });

  it('creates a task for a selected computer and shows it reach done', async () => {
    const [agent] = agents;
    if (!agent) throw new Error('no agent');
    const hostname = `pc-${agent.id.slice(0, 8)}`;
    await page.goto(`${server.consoleUrl}/#/computers`);
    await page.fill('input[aria-label=hostname]', hostname);
    await expect.poll(() => text('page-summary'), WAIT).toBe('Page 1 of 1 · 1–1 of 1');
    await page.check(`input[aria-label="select ${hostname}"]`);
    expect(await text('selected-count')).toBe('1 selected');
    await page.click('text=Create a task…');
    expect(await page.locator('#target-selected').isChecked()).toBe(true);

    // The parameters are a form built from the task type's schema.
    await page.selectOption('#task-type', 'on-demand-scan');
    await page.click('[data-testid=task-params] summary');
    await page.locator('#task-param-extra').fill('{ not json');
    await page.click('button:has-text("Create task")');
    await expect
      .poll(() => text('task-message'), WAIT)
      .toBe('Not created: fix the parameters marked above.');
    await page.locator('#task-param-extra').fill('{}');
    await page.selectOption('#task-param-profile', { label: 'in-depth' });
    await page.click('button:has-text("Create task")');
    await expect.poll(() => text('task-message'), WAIT).toBe('Task created for 1 computers.');
    await expect.poll(() => text('task-state'), WAIT).toBe('running');

    let taskId: string | undefined;
    for (let i = 0; i < 50 && !taskId; i++) {
      const answer = await agent.replicate<ReplicateResponse>(agent.body());
      taskId = answer.body.tasks[0]?.id;
      if (!taskId) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(taskId).toBeDefined();
    const done = await agent.replicate(
      agent.body({
        taskResults: [{ taskId: taskId as string, state: 'done', time: new Date().toISOString() }],
      }),
    );
    expect(done.status).toBe(200);
    await expect.poll(() => text('task-state'), WAIT).toBe('done');
    expect(await text('task-done')).toBe('1');
  });

  it('validates and saves the policy, and shows the version an agent applied', async () => {
    await page.goto(`${server.consoleUrl}/#/policy`);
    await expect.poll(() => text('policy-version'), WAIT).toBe('0');
    // Keys outside the schema go in the JSON box, which must hold an object.
    await page.click('[data-testid=policy-form] summary');
    await page.locator('#policy-extra').fill('[1, 2]');
    await page.click('button:has-text("Save policy")');
    await expect
      .poll(() => text('policy-message'), WAIT)
      .toBe('Not saved: fix the fields marked above.');
    await page.locator('#policy-extra').fill('{}');
    await page.selectOption('#policy-scanOnStart', 'true');
    await page.selectOption('#policy-updateChannel', { label: 'stable' });
    await page.click('button:has-text("Save policy")');
    await expect.poll(() => text('policy-version'), WAIT).toBe('1');

    const [agent] = agents;
    if (!agent) throw new Error('no agent');
    let version = 0;
    for (let i = 0; i < 50 && version === 0; i++) {
      const answer = await agent.replicate<ReplicateResponse>(agent.body());
      version = answer.body.policy?.version ?? 0;
      if (!version) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(version).toBe(1);
    await agent.replicate(agent.body({ policyVersion: version }));
    await page.goto(`${server.consoleUrl}/#/computers/${agent.id}`);
    await expect
      .poll(() => page.locator('dt:has-text("Policy version applied") + dd').textContent(), WAIT)
      .toBe('1');
  });

  it('raised no dialog and no Content-Security-Policy violation all along', () => {
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  });
});
