import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../simulator/metrics/contract.js';
import { escapeHtml, jsonForScript } from '../../../simulator/report/html/escape.js';
import { renderHtmlReport } from '../../../simulator/report/html/page.js';
import {
  evaluateThresholds,
  parseThresholds,
  subjectOfResult,
  withThresholds,
} from '../../../simulator/thresholds.js';
import { fakeCapacityRun, fakeRun } from '../metrics/fake-run.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const CLOSER = '</script><script>alert(2)</script>';

function hostileRun(): RunResult {
  const run = fakeRun({
    seconds: 3,
    meta: {
      target: `https://evil.example/${HOSTILE}`,
      generatorHost: HOSTILE,
      seed: CLOSER,
      options: { label: HOSTILE, note: 'it\'s "quoted" & <b>bold</b>' },
    },
  });
  return {
    ...run,
    marks: [
      { atSecond: 1, label: HOSTILE },
      { atSecond: 2, label: CLOSER },
    ],
  };
}

describe('HTML report', () => {
  it('shows hostile text from a run as text, never as markup', () => {
    const html = renderHtmlReport(hostileRun());
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('alert(2)</script>');
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Options print as rows of text, escaped: quotes and markup are entities.
    expect(html).toContain('<th>option note</th>');
    expect(html).toContain('it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    // Exactly our three script elements: the data block, uPlot, our chart code.
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('embeds the data as JSON that cannot end its script block and parses back intact', () => {
    const html = renderHtmlReport(hostileRun());
    const block =
      /<script type="application\/json" id="run-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(block).not.toMatch(/[<>&]/);
    const data = JSON.parse(block);
    expect(data.marks.map((m: { label: string }) => m.label)).toEqual([HOSTILE, CLOSER]);
    expect(data.series.second).toEqual([1, 2, 3]);
    expect(JSON.parse(jsonForScript({ s: '\u2028<!--' }))).toEqual({ s: '\u2028<!--' });
  });

  it('is self-contained: uPlot inlined, nothing fetched, scripts pinned by hash in the CSP', () => {
    const html = renderHtmlReport(fakeRun({ seconds: 3 }));
    expect(html).not.toMatch(/<link|\ssrc=|url\(http|@import/i);
    expect(html).toContain('uPlot');
    // The attribute is escaped like any other; a browser reads &#39; as a quote.
    const csp = (
      /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? ''
    ).replaceAll('&#39;', "'");
    expect(csp).toMatch(/default-src 'none'/);
    const inline = [...html.matchAll(/<script>(.*?)<\/script>/gs)].map((m) => m[1] ?? '');
    expect(inline).toHaveLength(2);
    for (const script of inline) {
      const hash = createHash('sha256').update(script).digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
  });

  it('shows the verdict banner with each threshold', () => {
    const run = fakeRun({ failEvery: 10 });
    const judged = withThresholds(
      run,
      evaluateThresholds(parseThresholds(['p99<250ms', 'errors<1%']), subjectOfResult(run)),
    );
    const html = renderHtmlReport(judged);
    expect(html).toContain('class="banner fail"');
    expect(html).toMatch(/FAILED: 1 of 2 thresholds broke/);
    expect(html).toContain('<code>errors&lt;1%</code>');
    const passing = withThresholds(
      run,
      evaluateThresholds(parseThresholds(['p99<250ms']), subjectOfResult(run)),
    );
    expect(renderHtmlReport(passing)).toMatch(/class="banner pass">PASSED: all 1 thresholds held/);
    expect(renderHtmlReport(run)).toContain('No thresholds were set');
  });

  it('shows task delivery latency beside the replication figures only for runs that probed', () => {
    const latency = (count: number, p50Ms: number, p99Ms: number) => ({
      count,
      p50Ms,
      p99Ms,
      maxMs: p99Ms + 1,
    });
    const probed = fakeRun({
      seconds: 3,
      meta: {
        options: {
          taskDelivery: {
            wakeups: 'on',
            sessionsSubscribed: 300,
            tasksCreated: 17,
            targets: 170,
            createFailures: 0,
            createdToReceived: latency(160, 41, 187),
            createdToResult: latency(150, 93, 412),
          },
        },
      },
    });
    const html = renderHtmlReport(probed);
    expect(html).toContain('<h2>Task delivery (wake-ups on)</h2>');
    expect(html).toContain('17 probe tasks created on the console API for 170 targets');
    const row = html.slice(html.indexOf('created -&gt; result received'));
    expect(row.slice(0, row.indexOf('</tr>'))).toMatch(/93.*412.*150/);
    expect(renderHtmlReport(fakeRun({ seconds: 3 }))).not.toContain('Task delivery');
  });

  it('draws the capacity curve only for capacity searches', () => {
    const capacity = renderHtmlReport(fakeCapacityRun());
    expect(capacity).toContain('id="chart-capacity"');
    expect(capacity).toMatch(/300\.0\/s is the highest rate that held/);
    expect(renderHtmlReport(fakeRun())).not.toContain('id="chart-capacity"');
  });

  it('warns when the generator was the bottleneck', () => {
    const run = fakeRun();
    const saturated: RunResult = {
      ...run,
      generator: { ...run.generator, generatorBottleneck: true, reasons: [`CPU ${HOSTILE}`] },
    };
    const html = renderHtmlReport(saturated);
    expect(html).toContain('The load generator was the bottleneck');
    expect(html).toContain(`CPU ${escapeHtml(HOSTILE)}`);
  });
});
