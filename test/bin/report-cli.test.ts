import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../simulator/metrics/contract.js';
import { parseRunResult } from '../../simulator/metrics/run-result-check.js';
import { fakeRun } from '../simulator/metrics/fake-run.js';
import { runSmc } from './run-cli.js';

let dir: string;
const file = (name: string) => join(dir, name);
const write = (name: string, result: RunResult) => {
  writeFileSync(file(name), JSON.stringify(result));
  return file(name);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'smc-report-cli-'));
  // Two shards of one fleet run: 50/s each, 10 % errors on the first, latency 20-100 ms.
  write(
    'shard-1.json',
    fakeRun({ seed: 1, failEvery: 10, meta: { shard: { index: 1, count: 2 } } }),
  );
  write('shard-2.json', fakeRun({ seed: 2, meta: { shard: { index: 2, count: 2 } } }));
  write('rate.json', fakeRun({ meta: { mode: 'rate', intervalSeconds: null } }));
  write('fast.json', fakeRun({ baseLatencyMs: 5, spreadMs: 10 }));
  write('slow.json', fakeRun({ baseLatencyMs: 200, spreadMs: 100 }));
  writeFileSync(file('gates.json'), JSON.stringify({ thresholds: ['p99<250ms', 'errors<1%'] }));
  writeFileSync(file('broken.json'), '{"kind":"smc-simulator-run","schemaVersion":9}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('smc report merge (built binary)', () => {
  it('merges shards into one result with exact counts and exits 0 when gates hold', () => {
    const { status, stdout, stderr } = runSmc([
      'report',
      'merge',
      file('shard-1.json'),
      file('shard-2.json'),
      '--json',
      file('merged.json'),
      '--html',
      file('merged.html'),
      '--threshold',
      'replications_per_sec>=90',
      '--threshold',
      'p99<250ms',
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/merged from 2 results/);
    expect(stdout).toMatch(/Verdict: PASSED \(2 thresholds\)/);
    const merged = parseRunResult(
      JSON.parse(readFileSync(file('merged.json'), 'utf8')),
      'merged.json',
    );
    expect(merged.derived.replications.completed).toBe(1_000);
    expect(merged.derived.replications.failed).toBe(50);
    expect(merged.meta.agents).toBe(200);
    expect(merged.thresholds?.map((t) => t.passed)).toEqual([true, true]);
    expect(readFileSync(file('merged.html'), 'utf8')).toMatch(
      /^<!doctype html>[\s\S]*PASSED: all 2 thresholds held/,
    );
  });

  it('exits 99 when a threshold (here from a file) fails on the merged run', () => {
    const { status, stdout } = runSmc([
      'report',
      'merge',
      file('shard-1.json'),
      file('shard-2.json'),
      '--json',
      file('merged-2.json'),
      '--thresholds-file',
      file('gates.json'),
    ]);
    expect(status).toBe(99);
    expect(stdout).toMatch(/FAIL {2}errors<1% {2}\(actual 5%\)/);
  });

  it('exits 2 with one line naming the problem', () => {
    const cases: [string[], RegExp][] = [
      [
        ['report', 'merge', file('shard-1.json'), file('rate.json'), '--json', file('x.json')],
        /shard-1\.json is a fleet run and .*rate\.json a rate run/,
      ],
      [
        ['report', 'merge', file('shard-1.json'), file('shard-1.json'), '--json', file('x.json')],
        /are both shard 1\/2/,
      ],
      [
        ['report', 'merge', file('shard-1.json'), '--json', file('x.json')],
        /two or more result files/,
      ],
      [
        ['report', 'merge', file('shard-1.json'), file('broken.json'), '--json', file('x.json')],
        /broken\.json: schemaVersion 9 is not supported/,
      ],
      [
        ['report', 'merge', file('shard-1.json'), file('missing.json'), '--json', file('x.json')],
        /missing\.json: cannot read \(ENOENT\)/,
      ],
      [
        [
          'report',
          'merge',
          file('shard-1.json'),
          file('shard-2.json'),
          '--json',
          file('x.json'),
          '--threshold',
          'p99<250kb',
        ],
        /threshold "p99<250kb": unit "kb" does not fit p99/,
      ],
      [
        ['report', 'merge', file('shard-1.json'), file('shard-2.json')],
        /required option '--json <file>'/,
      ],
      [
        ['report', 'merge', '--from', file('no-such-folder'), '--json', file('x.json')],
        /^smc: --from: cannot read the folder .*no-such-folder \(ENOENT\)/,
      ],
      [
        [
          'report',
          'merge',
          '--from',
          'http://storage.example.com/reports',
          '--json',
          file('x.json'),
        ],
        /^smc: --from: a blob container URL must be https \(http only on loopback\)/,
      ],
      [
        [
          'report',
          'merge',
          '--from',
          'https://acct.blob.core.windows.net/reports',
          '--json',
          file('x.json'),
        ],
        /^smc: --from: .* needs a SAS with read and list rights in SMC_REPORTS_SAS/,
      ],
      [
        ['report', 'merge', '--from', 'blob:reports', '--json', file('x.json')],
        /^smc: --from: blob:reports needs AZURE_STORAGE_CONNECTION_STRING set/,
      ],
    ];
    for (const [args, message] of cases) {
      const { status, stderr } = runSmc(args);
      expect(status, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('smc report show: not enough data (built binary)', () => {
  it('fails a gate the saved run passed on too little data, and says why', () => {
    // A run saved with a vacuous pass: 20 replications, p99 fine, "passed" embedded.
    const tiny = fakeRun({ seconds: 1, perSecond: 20, meta: { intervalSeconds: 1 } });
    const saved = write('tiny.json', {
      ...tiny,
      thresholds: [
        {
          expression: 'p99<250ms',
          metric: 'p99',
          kind: 'latency',
          operator: '<',
          limit: 250,
          actual: 90,
          passed: true,
        },
      ],
    });
    const shown = runSmc(['report', 'show', saved]);
    expect(shown.status).toBe(99);
    expect(shown.stdout).toMatch(/not enough data: 20 replications/);
    // Asked for less data, the same gate holds.
    expect(runSmc(['report', 'show', saved, '--min-replications', '10']).status).toBe(0);
  });
});

describe('smc report compare (built binary)', () => {
  it('prints deltas and a verdict, exit 0 without gates', () => {
    const { status, stdout } = runSmc([
      'report',
      'compare',
      file('fast.json'),
      file('slow.json'),
      '--json',
      file('cmp.json'),
    ]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/p99 from scheduled +\d[\d.]* ms +\d[\d.]* ms +\+\d[\d.]*% +worse/);
    expect(stdout).toMatch(/Comparison: WORSE/);
    const saved = JSON.parse(readFileSync(file('cmp.json'), 'utf8'));
    expect(saved.comparison.verdict).toBe('worse');
    expect(saved.comparison.tolerance).toBe(0.05);
  });

  it('exits 99 on a regression only with --fail-on-regression', () => {
    expect(
      runSmc(['report', 'compare', file('fast.json'), file('slow.json'), '--fail-on-regression'])
        .status,
    ).toBe(99);
    const better = runSmc([
      'report',
      'compare',
      file('slow.json'),
      file('fast.json'),
      '--fail-on-regression',
    ]);
    expect(better.status).toBe(0);
    expect(better.stdout).toMatch(/Comparison: BETTER/);
  });

  it('judges thresholds on the after run', () => {
    const failing = runSmc([
      'report',
      'compare',
      file('fast.json'),
      file('slow.json'),
      '--threshold',
      'p99<250ms',
    ]);
    expect(failing.status).toBe(99);
    expect(failing.stdout).toMatch(/FAIL {2}p99<250ms/);
    const passing = runSmc([
      'report',
      'compare',
      file('slow.json'),
      file('fast.json'),
      '--threshold',
      'p99<250ms',
    ]);
    expect(passing.status).toBe(0);
  });

  it('exits 2 on a bad tolerance or a bad threshold', () => {
    const tolerance = runSmc([
      'report',
      'compare',
      file('fast.json'),
      file('slow.json'),
      '--tolerance',
      'lots',
    ]);
    expect(tolerance.status).toBe(2);
    expect(tolerance.stderr).toMatch(/--tolerance: must be a share below 100%/);
    const threshold = runSmc([
      'report',
      'compare',
      file('fast.json'),
      file('slow.json'),
      '--threshold',
      'p99=1s',
    ]);
    expect(threshold.status).toBe(2);
    expect(threshold.stderr).toMatch(/bad operator "=" \(use == for equality\)/);
  });
});

describe('smc report show (built binary)', () => {
  it('prints the summary again and can write the HTML report', () => {
    const { status, stdout } = runSmc([
      'report',
      'show',
      file('shard-1.json'),
      '--html',
      file('show.html'),
    ]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/OK {9}450 \(45\.0\/s\)/);
    expect(readFileSync(file('show.html'), 'utf8')).toContain('id="chart-rate"');
  });
});
