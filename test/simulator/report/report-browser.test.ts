import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSmc } from '../../bin/run-cli.js';
import { launchChromium, watchedPage } from '../../console/browser.js';
import { fakeCapacityRun, fakeRun } from '../metrics/fake-run.js';

/**
 * The HTML reports in real Chromium, from the built binary: `smc report compare --html` draws
 * both runs side by side, and a run's own report has its new views. Screenshots go to
 * test-artifacts/ at 1400 px.
 */
let dir: string;
let browser: Browser;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smc-report-browser-'));
  mkdirSync('test-artifacts', { recursive: true });
  writeFileSync(
    join(dir, 'before.json'),
    JSON.stringify(fakeRun({ baseLatencyMs: 5, spreadMs: 10, meta: { mode: 'rate' } })),
  );
  writeFileSync(
    join(dir, 'after.json'),
    JSON.stringify(
      fakeRun({
        baseLatencyMs: 40,
        spreadMs: 60,
        failEvery: 20,
        meta: { options: { durationSeconds: 60, osMix: { windows: 70, linux: 30 } } },
      }),
    ),
  );
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(file: string) {
  const watched = await watchedPage(browser);
  await watched.page.setViewportSize({ width: 1400, height: 1000 });
  await watched.page.goto(pathToFileURL(file).href);
  return watched;
}

describe('HTML reports in Chromium', () => {
  it('report compare --html draws both runs side by side, with a table and a verdict', async () => {
    const html = join(dir, 'compare.html');
    const { status, stderr } = runSmc([
      'report',
      'compare',
      join(dir, 'before.json'),
      join(dir, 'after.json'),
      '--html',
      html,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const { page, dialogs, violations } = await open(html);
    for (const id of ['chart-compare-rate', 'chart-compare-latency', 'chart-compare-percentiles']) {
      expect(await page.locator(`#${id} canvas`).count(), id).toBe(1);
      // Both runs are series of every chart, named in its legend.
      const legend = await page.locator(`#${id} .u-legend`).textContent();
      expect(legend).toMatch(/before/i);
      expect(legend).toMatch(/after/i);
    }
    expect(await page.locator('#verdict').textContent()).toMatch(/^Comparison: WORSE/);
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(5);
    await page.screenshot({ path: 'test-artifacts/report-compare-1400.png', fullPage: true });
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  }, 60_000);

  it("a run's report: percentile band, distribution, readable legends, options as a table", async () => {
    const html = join(dir, 'run.html');
    const { status } = runSmc(['report', 'show', join(dir, 'after.json'), '--html', html]);
    expect(status).toBe(0);
    const { page, violations } = await open(html);
    for (const id of ['chart-rate', 'chart-latency', 'chart-errors', 'chart-distribution'])
      expect(await page.locator(`#${id} canvas`).count(), id).toBe(1);
    // Before any hover a legend says how to get values, never "second: -".
    const legend = await page.locator('#chart-rate .u-legend').textContent();
    expect(legend).not.toMatch(/SECOND\s*-/i);
    expect(legend).toMatch(/hover for values/);
    // Percentiles over time as a band p50..p99 with the second's max above it.
    expect(await page.locator('#chart-latency .u-legend').textContent()).toMatch(
      /p50 ms.*p99 ms.*max ms/is,
    );
    expect(await page.locator('#chart-distribution .u-legend').textContent()).toMatch(
      /from scheduled/i,
    );
    // Options are rows of the run table, not one JSON blob.
    const runTable = await page.locator('#run-details table').first().textContent();
    expect(runTable).toMatch(/option durationSeconds\s*60/i);
    expect(runTable).toMatch(/option osMix\.windows\s*70/i);
    expect(runTable).not.toMatch(/\{"/);
    await page.screenshot({ path: 'test-artifacts/report-run-1400.png', fullPage: true });
    expect(violations).toEqual([]);
  }, 60_000);

  it('capacity-step marks: labels never overlap, rates rounded, rate axes from 0', async () => {
    // 20 steps 5 s apart with unrounded rates: the strip that used to be unreadable.
    const run = fakeCapacityRun(Array.from({ length: 20 }, (_, i) => 100 + i * 52.38));
    const marked = {
      ...run,
      marks: (run.meta.capacity?.steps ?? []).map((step, i) => ({
        atSecond: i * 5,
        label: `capacity step ${(step.rate * 1.0002).toFixed(2)}/s`,
      })),
    };
    const file = join(dir, 'capacity.json');
    writeFileSync(file, JSON.stringify(marked));
    const html = join(dir, 'capacity.html');
    expect(runSmc(['report', 'show', file, '--html', html]).status).toBe(0);
    const { page, violations } = await open(html);
    const charts = await page.evaluate(() =>
      (
        globalThis as unknown as {
          smcReportCharts: {
            id: string;
            u: {
              scales: Record<string, { min?: number }>;
              smcMarkLabels?: { text: string; left: number; right: number; row: number }[];
            };
          }[];
        }
      ).smcReportCharts.map((c) => ({
        id: c.id,
        yMin: c.u.scales.y?.min ?? null,
        labels: c.u.smcMarkLabels ?? [],
      })),
    );
    const rate = charts.find((c) => c.id === 'chart-rate');
    expect(rate?.yMin).toBe(0);
    const withLabels = charts.filter((c) => c.labels.length > 0);
    expect(withLabels.length).toBeGreaterThan(0);
    for (const chart of withLabels) {
      for (const label of chart.labels) expect(label.text, chart.id).toMatch(/^step \d+\/s$/);
      for (const row of [0, 1]) {
        const inRow = chart.labels.filter((l) => l.row === row).sort((a, b) => a.left - b.left);
        for (let i = 1; i < inRow.length; i++)
          expect(inRow[i]?.left, `${chart.id} row ${row}`).toBeGreaterThanOrEqual(
            inRow[i - 1]?.right ?? 0,
          );
      }
      // Some labels had to give way (20 marks on one chart): left to the marks table.
      expect(chart.labels.length).toBeLessThan(20);
    }
    expect(await page.locator('text=Timeline marks').count()).toBe(1);
    await page.screenshot({
      path: 'test-artifacts/report-capacity-marks-1400.png',
      fullPage: true,
    });
    expect(violations).toEqual([]);
  }, 60_000);
});
