import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../../benchmarks/lib/fake-agent-plane.js';
import type { RunResult } from '../../../simulator/metrics/contract.js';
import { decodeHistogram } from '../../../simulator/metrics/histogram.js';
import { runSmc, runSmcAsync } from '../../bin/run-cli.js';
import { launchChromium, watchedPage } from '../../console/browser.js';

/**
 * The report's traffic views (sessions and agents over time, requests by endpoint, bytes/s)
 * from a real short `smc simulate` against the fake agent plane, through the built binary:
 * the JSON carries the new series, the HTML draws them with the run's own numbers, a file
 * from before these series still shows, and Chromium renders them (screenshots in
 * test-artifacts/ at 1400 px).
 */
const AGENTS = 10;
let dir: string;
let plane: FakeAgentPlane;
let result: RunResult;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smc-traffic-views-'));
  mkdirSync('test-artifacts', { recursive: true });
  plane = await FakeAgentPlane.start();
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, plane.ca.certPem);
  const run = await runSmcAsync([
    'simulate',
    '--target',
    plane.url,
    '--ca',
    caFile,
    '--enroll-token',
    'test-enroll-token',
    '--agents',
    String(AGENTS),
    '--rate',
    '20/s',
    '--duration',
    '3s',
    '--json',
    join(dir, 'run.json'),
    '--html',
    join(dir, 'run.html'),
  ]);
  expect(run.stderr).not.toMatch(/Error|at .*\.js:\d+/);
  expect(run.status).toBe(0);
  result = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await plane?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The data block the report's script draws from. */
function runData(html: string) {
  const block = /<script type="application\/json" id="run-data">(.*?)<\/script>/s.exec(html)?.[1];
  return JSON.parse(block ?? 'null');
}

const sum = (values: readonly (number | null)[]) =>
  values.reduce<number>((t, v) => t + (v ?? 0), 0);

/** The same result as a file of an smc that did not record the traffic series yet. */
function withoutTrafficSeries(r: RunResult): RunResult {
  const { endpoints: _endpoints, ...rest } = r;
  return {
    ...rest,
    series: r.series.map(
      ({
        sessionsOpen: _s,
        agentsActive: _a,
        agentsEnrolled: _e,
        bytesSent: _bs,
        bytesReceived: _br,
        endpoints: _ep,
        ...old
      }) => old,
    ),
  };
}

describe('traffic views from a real simulation', () => {
  it('the result file splits requests by endpoint, with bytes and sessions per second', () => {
    const replicate = result.endpoints?.replicate;
    const enroll = result.endpoints?.enroll;
    expect(enroll?.requests).toBe(AGENTS);
    expect(enroll?.errors).toBe(0);
    // Every replication is one replicate request; the fake plane answers each 200.
    expect(replicate?.requests).toBe(result.derived.replications.completed);
    expect(replicate?.requests).toBeGreaterThan(20);
    expect(replicate?.errors).toBe(0);
    expect(decodeHistogram(replicate?.latency ?? '', 'latency').totalCount).toBe(
      replicate?.requests,
    );
    // The series add up to the run's totals exactly.
    const perSecond = (name: 'enroll' | 'replicate') =>
      sum(result.series.map((s) => s.endpoints?.[name]?.requests ?? 0));
    expect(perSecond('replicate')).toBe(replicate?.requests);
    expect(perSecond('enroll')).toBe(AGENTS);
    expect(sum(result.series.map((s) => s.bytesSent ?? 0))).toBe(
      (replicate?.bytesSent ?? 0) + (enroll?.bytesSent ?? 0),
    );
    expect(sum(result.series.map((s) => s.bytesReceived ?? 0))).toBe(
      (replicate?.bytesReceived ?? 0) + (enroll?.bytesReceived ?? 0),
    );
    // Persistent connections: every agent holds one session once it replicated.
    expect(Math.max(...result.series.map((s) => s.sessionsOpen ?? 0))).toBe(AGENTS);
    expect(result.series.at(-1)?.agentsEnrolled).toBe(AGENTS);
    expect(result.series.at(-1)?.agentsActive).toBe(AGENTS);
  });

  it('smc simulate --html draws the new charts with the run data', async () => {
    const html = await readFile(join(dir, 'run.html'), 'utf8');
    for (const id of [
      'chart-sessions',
      'chart-bytes',
      'chart-endpoint-rate',
      'chart-endpoint-latency',
    ])
      expect(html, id).toContain(`id="${id}"`);
    expect(html).toContain('replicate (POST /v1/replicate)');
    expect(html).toContain('enroll (POST /v1/enroll)');
    const { traffic } = runData(html);
    expect(Math.max(...traffic.sessionsOpen)).toBe(AGENTS);
    expect(sum(traffic.bytesSentPerSec)).toBeGreaterThan(0);
    expect(sum(traffic.bytesReceivedPerSec)).toBeGreaterThan(0);
    const byName = Object.fromEntries(
      traffic.endpoints.map((ep: { name: string; requests: number[] }) => [ep.name, ep]),
    );
    expect(Object.keys(byName)).toEqual(['enroll', 'replicate']);
    expect(sum(byName.replicate.requests)).toBe(result.endpoints?.replicate?.requests);
    expect(Math.max(...byName.replicate.p99Ms)).toBeGreaterThan(0);
  });

  it('an older result file without the new series still shows, saying what it lacks', async () => {
    const old = join(dir, 'old.json');
    await writeFile(old, JSON.stringify(withoutTrafficSeries(result)));
    const text = runSmc(['report', 'show', old]);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Completed\s+\d+/);
    const oldHtml = join(dir, 'old.html');
    expect(runSmc(['report', 'show', old, '--html', oldHtml]).status).toBe(0);
    const html = await readFile(oldHtml, 'utf8');
    expect(html).toContain('Not recorded in this result');
    expect(html).not.toContain('id="chart-sessions"');
    expect(html).not.toContain('id="chart-endpoint-rate"');
    expect(runData(html).traffic.endpoints).toEqual([]);
    // Merging it with a new file keeps the new file's split.
    const merged = join(dir, 'merged.json');
    const mergedRun = runSmc(['report', 'merge', old, join(dir, 'run.json'), '--json', merged]);
    expect(mergedRun.stderr).toBe('');
    expect(mergedRun.status).toBe(0);
    const mergedResult: RunResult = JSON.parse(await readFile(merged, 'utf8'));
    expect(mergedResult.endpoints?.replicate?.requests).toBe(result.endpoints?.replicate?.requests);
  });

  it('Chromium draws the views of a run and of compare --html (before: old file, after: new)', async () => {
    const { page, violations, dialogs } = await watchedPage(browser);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(pathToFileURL(join(dir, 'run.html')).href);
    for (const id of [
      'chart-sessions',
      'chart-bytes',
      'chart-endpoint-rate',
      'chart-endpoint-latency',
    ])
      expect(await page.locator(`#${id} canvas`).count(), id).toBe(1);
    expect(await page.locator('#chart-endpoint-rate .u-legend').textContent()).toMatch(
      /enroll.*replicate/s,
    );
    expect(await page.locator('#chart-bytes .u-legend').textContent()).toMatch(/sent.*received/s);
    expect(await page.locator('#endpoints > table > tbody > tr').count()).toBe(2);
    await page.locator('#endpoints').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-artifacts/report-traffic-1400.png', fullPage: true });

    const compare = join(dir, 'compare.html');
    const { status, stderr } = runSmc([
      'report',
      'compare',
      join(dir, 'old.json'),
      join(dir, 'run.json'),
      '--html',
      compare,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    await page.goto(pathToFileURL(compare).href);
    for (const id of ['chart-compare-sessions', 'chart-compare-bytes']) {
      expect(await page.locator(`#${id} canvas`).count(), id).toBe(1);
      const legend = await page.locator(`#${id} .u-legend`).textContent();
      expect(legend).toMatch(/before/);
      expect(legend).toMatch(/after/);
    }
    const rows = await page.locator('#compare-endpoints > table > tbody > tr').allTextContents();
    expect(rows).toHaveLength(2);
    // The old file has no split: its side says so; the new side has the counts.
    expect(rows[1]).toMatch(/replicate.*not recorded/s);
    expect(rows[1]).toContain(String(result.endpoints?.replicate?.requests));
    await page.screenshot({
      path: 'test-artifacts/report-compare-traffic-1400.png',
      fullPage: true,
    });
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  }, 60_000);
});
