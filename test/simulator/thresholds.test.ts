import { describe, expect, it } from 'vitest';
import { EXIT } from '../../bin/cli/exit-codes.js';
import { createRunMetrics } from '../../simulator/metrics/run-metrics.js';
import {
  evaluateThresholds,
  exitCodeFor,
  parseThreshold,
  parseThresholds,
  subjectOfResult,
  subjectOfWindow,
  THRESHOLD_EXIT,
  ThresholdError,
  thresholdsFromJsonText,
} from '../../simulator/thresholds.js';
import { fakeClock, fakeRun, scriptedProbe } from './metrics/fake-run.js';

describe('parseThreshold', () => {
  it('normalises units to the base unit of the metric', () => {
    const cases: [string, string, string, number][] = [
      ['replications_per_sec>=40', 'replications_per_sec', '>=', 40],
      ['p99<250ms', 'p99', '<', 250],
      ['p99 < 0.25s', 'p99', '<', 250],
      ['p95_from_send<100ms', 'p95_from_send', '<', 100],
      ['p(99.9)<=1s', 'p99.9', '<=', 1_000],
      ['errors<0.1%', 'errors', '<', 0.001],
      ['error_rate<0.001', 'error_rate', '<', 0.001],
      ['lost_logs==0', 'lost_logs', '==', 0],
      ['late_ratio<5%', 'late_ratio', '<', 0.05],
      ['lateness_p99<50', 'lateness_p99', '<', 50],
      ['attempted_per_sec>10/s', 'attempted_per_sec', '>', 10],
    ];
    for (const [text, metric, operator, limit] of cases) {
      const t = parseThreshold(text);
      expect([t.metric.name, t.operator]).toEqual([metric, operator]);
      expect(t.limit).toBeCloseTo(limit, 12);
    }
  });

  it('names the expression and what is wrong', () => {
    const error = (text: string) => {
      try {
        parseThreshold(text);
      } catch (e) {
        expect(e).toBeInstanceOf(ThresholdError);
        expect(e).toBeInstanceOf(RangeError); // bin maps RangeError to exit code 2
        return (e as Error).message;
      }
      throw new Error(`${text} parsed`);
    };
    expect(error('p98.5x<3')).toMatch(
      /^threshold "p98.5x<3": unknown metric "p98.5x"; known metrics: replications_per_sec, .*lost_logs.*pN/,
    );
    expect(error('p99=250ms')).toMatch(/bad operator "=" \(use == for equality\)/);
    expect(error('p99=>250ms')).toMatch(/bad operator "=>"; use one of < <= > >= == !=/);
    expect(error('p99<250kb')).toMatch(
      /unit "kb" does not fit p99, which is a latency: use ms or s/,
    );
    expect(error('errors<5ms')).toMatch(/unit "ms" does not fit errors, which is a ratio/);
    expect(error('errors<5')).toMatch(/a ratio is between 0 and 1/);
    expect(error('lost_logs==0%')).toMatch(/unit "%" does not fit lost_logs, which is a count/);
    expect(error('p999<1s')).toMatch(/percentile 999 is out of range: .*p99\.9, not p999/);
    expect(error('p99<fast')).toMatch(/"fast" is not a number/);
    expect(error('fast please')).toMatch(/must look like METRIC OPERATOR VALUE/);
  });

  it('reads a threshold file and names the broken entry', () => {
    expect(thresholdsFromJsonText('{"thresholds":["p99<250ms","errors<1%"]}', 't.json')).toEqual([
      'p99<250ms',
      'errors<1%',
    ]);
    expect(() => thresholdsFromJsonText('{"thresholds":["p99<1s", 5]}', 't.json')).toThrow(
      /t\.json: thresholds\[1\] must be a string/,
    );
    expect(() => thresholdsFromJsonText('["p99<1s"]', 't.json')).toThrow(
      /t\.json: must be an object/,
    );
    expect(() => thresholdsFromJsonText('{', 't.json')).toThrow(/t\.json: not valid JSON/);
  });
});

describe('evaluateThresholds', () => {
  // 500 replications at 50/s, every 10th fails: 45/s ok, 10 % errors, latency 20-100 ms.
  const result = fakeRun({ seconds: 10, perSecond: 50, failEvery: 10 });
  const judge = (...texts: string[]) =>
    evaluateThresholds(parseThresholds(texts), subjectOfResult(result));

  it('passes and fails against the measured figures', () => {
    const verdicts = judge(
      'replications_per_sec>=40',
      'replications_per_sec>=46',
      'p99<250ms',
      'p50>1s',
      'errors<=10%',
      'errors<0.1%',
    );
    expect(verdicts.map((v) => v.passed)).toEqual([true, false, true, false, true, false]);
    expect(verdicts[0]).toMatchObject({
      expression: 'replications_per_sec>=40',
      metric: 'replications_per_sec',
      kind: 'rate',
      actual: 45,
    });
    expect(verdicts[4]?.actual).toBeCloseTo(0.1, 12);
    expect(exitCodeFor(verdicts)).toBe(99);
    expect(exitCodeFor(judge('p99<250ms'))).toBe(0);
    expect(exitCodeFor([])).toBe(0);
  });

  it('fails a gate on a figure that was not measured, saying how to measure it', () => {
    const [lost] = judge('lost_logs==0');
    expect(lost).toMatchObject({ passed: false, actual: null });
    expect(lost?.note).toMatch(/--verify/);
    const verified = fakeRun({
      meta: { verify: { logsAcknowledged: 2_500, lost: 0, checkedAgents: 100 } },
    });
    expect(
      evaluateThresholds(parseThresholds(['lost_logs==0']), subjectOfResult(verified))[0]?.passed,
    ).toBe(true);
  });

  it('judges a window (capacity-search step) with any percentile', () => {
    const clock = fakeClock(0);
    const metrics = createRunMetrics({
      lateThresholdMs: 100,
      clock: clock.now,
      probe: scriptedProbe(),
    });
    const window = metrics.openWindow('step');
    for (let i = 1; i <= 100; i++) {
      metrics.recordReplication({
        scheduledAtMs: 0,
        sentAtMs: 0,
        doneAtMs: i * 10,
        outcome: 'ok',
        logsSent: 0,
        logsAcked: 0,
      });
    }
    clock.advance(1_000);
    const subject = subjectOfWindow(window.close());
    const verdicts = evaluateThresholds(
      parseThresholds(['p90<=905ms', 'p99.9>=995ms', 'replications_per_sec==100', 'lost_logs==0']),
      subject,
    );
    expect(verdicts.map((v) => v.passed)).toEqual([true, true, true, false]);
  });

  it('fails every gate on too few replications, however good the figures look', () => {
    // 12 replications, all fast and fine: p99 and errors would pass on nothing.
    const tiny = fakeRun({ seconds: 1, perSecond: 12 });
    const verdicts = evaluateThresholds(
      parseThresholds(['p99<250ms', 'errors<0.1%', 'lost_logs==0']),
      subjectOfResult(tiny),
    );
    expect(verdicts.map((v) => v.passed)).toEqual([false, false, false]);
    for (const v of verdicts) expect(v.note).toMatch(/not enough data: 12 replications/);
    expect(verdicts[0]?.actual).toBeGreaterThan(0);
    expect(exitCodeFor(verdicts)).toBe(99);
    // The rule is a setting: 10 is enough when asked.
    expect(
      evaluateThresholds(parseThresholds(['p99<250ms']), subjectOfResult(tiny), {
        minReplications: 10,
        minIntervals: 0,
      })[0]?.passed,
    ).toBe(true);
  });

  it('fails every gate on a fleet run shorter than one interval', () => {
    // 500 replications in 10 s of a 600 s interval: most agents never spoke.
    const short = fakeRun({ meta: { intervalSeconds: 600 } });
    const [p99] = evaluateThresholds(parseThresholds(['p99<250ms']), subjectOfResult(short));
    expect(p99?.passed).toBe(false);
    expect(p99?.note).toMatch(/covered 0\.02 of the 600 s interval/);
    // Time-compressed 60x, the same 10 s cover one interval.
    const compressed = fakeRun({ meta: { intervalSeconds: 600, timeScale: 60 } });
    expect(
      evaluateThresholds(parseThresholds(['p99<250ms']), subjectOfResult(compressed))[0]?.passed,
    ).toBe(true);
  });

  it('uses the exit codes bin/cli/exit-codes.ts defines', () => {
    expect(THRESHOLD_EXIT.passed).toBe(EXIT.ok);
    expect(THRESHOLD_EXIT.failed).toBe(EXIT.thresholdsFailed);
  });
});
