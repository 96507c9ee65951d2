import { describe, expect, it } from 'vitest';
import { renderRunSummary, terminalSafe } from '../../../bin/render/run-summary.js';
import {
  evaluateThresholds,
  parseThresholds,
  subjectOfResult,
  withThresholds,
} from '../../../simulator/thresholds.js';
import { fakeCapacityRun, fakeRun, scriptedProbe } from '../metrics/fake-run.js';

describe('renderRunSummary', () => {
  const run = fakeRun({
    seconds: 10,
    perSecond: 50,
    failEvery: 10,
    failure: 'timeout',
    lateEvery: 25,
  });

  it('prints rates, failures by reason, logs and both latencies', () => {
    const text = renderRunSummary(run);
    expect(text).toMatch(/^smc simulate: fleet run against https:\/\/127\.0\.0\.1:2222, 10s\n/);
    expect(text).toMatch(/OK {9}450 \(45\.0\/s\)/);
    expect(text).toMatch(/Failed {5}50 \(10%\): timeout 50/);
    expect(text).toMatch(/Late {7}20 \(4%\)/);
    expect(text).toMatch(/lost not verified \(--verify\)/);
    // Counters that read as contradictions beside a PASS say what they count (issue 20).
    expect(text).toMatch(
      /pending [\d,]+ \(unacknowledged when the run ended: kept and resent, not lost\)/,
    );
    expect(text).toMatch(/ {2}from scheduled +\d/);
    expect(text).toMatch(/ {2}from send +\d/);
    expect(text).toMatch(/Generator {2}healthy/);
    expect(text).not.toMatch(/Thresholds/);
  });

  it('ends with the threshold verdict when thresholds were judged', () => {
    const judged = withThresholds(
      run,
      evaluateThresholds(
        parseThresholds(['replications_per_sec>=40', 'errors<1%']),
        subjectOfResult(run),
      ),
    );
    const text = renderRunSummary(judged);
    expect(text).toMatch(/ {2}pass {2}replications_per_sec>=40 {2}\(actual 45\.0\/s\)/);
    expect(text).toMatch(/ {2}FAIL {2}errors<1% {2}\(actual 10%\)/);
    expect(text).toMatch(/Verdict: FAILED \(1 of 2 thresholds failed\)\n$/);
  });

  it('says so when the generator was the bottleneck', () => {
    const busy = fakeRun({ probe: scriptedProbe([{ lag: 3, cpu: 97 }]) });
    expect(renderRunSummary(busy)).toMatch(
      /Generator {2}BOTTLENECK[^\n]*\n {2}! generator CPU was over 90% of one core in 100% of seconds/,
    );
  });

  it('lists capacity-search steps', () => {
    const text = renderRunSummary(fakeCapacityRun());
    expect(text).toMatch(
      /Capacity {3}highest rate that held: 300\.0\/s \(SLOs: p99<250ms, errors<0\.1%\)/,
    );
    expect(text).toMatch(/500\.0\/s +[\d.]+\/s +[\d.]+ ms +[\d.]+% +no/);
  });

  it('never passes terminal escapes from a run file through', () => {
    expect(terminalSafe('host\u001b]0;pwned\u0007name')).toBe('host?]0;pwned?name');
    const text = renderRunSummary(fakeRun({ meta: { target: 'https://x\u001b[2J' } }));
    expect(text).not.toContain('\u001b');
  });
});
