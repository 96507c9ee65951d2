import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import {
  createHistogram,
  decodeHistogram,
  percentileMs,
} from '../../simulator/metrics/histogram.js';
import type { RunResult } from '../../simulator/metrics/run-result.js';
import { enrollmentToken, testServer } from '../support/server.js';
import { runSmcAsync } from './run-cli.js';

// The load generator's promise: N machines each running `smc simulate --shard i/N` at once,
// merged, are one big generator. Proved with N real processes of the built binary against one
// real server and database, merged from a folder as the fleet's reports are.
const SHARDS = 3;
const AGENTS = 30;

let server: RunningServer;
let dir: string;
let caFile: string;
let token: string;
beforeAll(async () => {
  server = await testServer();
  dir = await mkdtemp(join(tmpdir(), 'smc-shard-merge-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, server.caCertPem);
  token = await enrollmentToken(server, 4 * AGENTS);
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A fleet run in which every agent replicates exactly once: its first slot falls inside the
 * 3 s interval, and the server then tells it 60 s (the test server's interval), past the end.
 * So the counts are the fleet's, not the clock's: equal for one process and for N.
 */
function simulate(shard: string, json: string) {
  return runSmcAsync(
    [
      'simulate',
      '--target',
      server.agentUrl,
      '--ca',
      caFile,
      '--enroll-token',
      token,
      '--agents',
      String(AGENTS),
      '--interval',
      '3s',
      '--duration',
      '8s',
      '--seed',
      '7',
      '--shard',
      shard,
      '--json',
      json,
    ],
    120_000,
  );
}

const read = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as RunResult;

describe('N shard processes merged from a folder equal one run', () => {
  it('has the same counts exactly, and the percentiles of all the shards together', async () => {
    const single = join(dir, 'single.json');
    const one = await simulate('1/1', single);
    expect(one.status, one.stderr).toBe(0);

    const reports = join(dir, 'reports');
    await mkdir(reports);
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        simulate(`${i + 1}/${SHARDS}`, join(reports, `shard-${i + 1}-of-${SHARDS}.json`)),
      ),
    );
    for (const shard of shards) expect(shard.status, shard.stderr).toBe(0);

    const mergedFile = join(dir, 'merged.json');
    const merge = await runSmcAsync(['report', 'merge', '--from', reports, '--json', mergedFile]);
    expect(merge.status, merge.stderr).toBe(0);
    // The merged file written into the folder it reads: the second time it is there, and it
    // must not be read as a shard of itself.
    for (let run = 0; run < 2; run++) {
      const again = await runSmcAsync([
        'report',
        'merge',
        '--from',
        reports,
        '--json',
        join(reports, 'all.json'),
      ]);
      expect(again.status, again.stderr).toBe(0);
    }

    const [alone, merged] = await Promise.all([read(single), read(mergedFile)]);
    expect(merged.sources?.map((s) => s.shard)).toEqual(
      Array.from({ length: SHARDS }, (_, i) => ({ index: i + 1, count: SHARDS })),
    );
    // Every agent once, nothing failed: the run measured something.
    expect(alone.outcomes.ok).toBe(AGENTS);
    expect(merged.outcomes).toEqual(alone.outcomes);
    expect(merged.counters).toEqual(alone.counters);
    expect(merged.derived.logs).toEqual(alone.derived.logs);
    expect(merged.derived.replications.completed).toBe(alone.derived.replications.completed);
    // Requests by endpoint add up to one run's; bytes and sessions add up shard by shard.
    for (const name of ['enroll', 'replicate'] as const) {
      expect(merged.endpoints?.[name]?.requests).toBe(AGENTS);
      expect(merged.endpoints?.[name]?.requests).toBe(alone.endpoints?.[name]?.requests);
    }
    const shardFiles = await Promise.all(
      shards.map((_, i) => read(join(reports, `shard-${i + 1}-of-${SHARDS}.json`))),
    );
    const total = (
      rs: readonly (typeof merged)[],
      pick: (s: (typeof merged)['series'][number]) => number,
    ) => rs.reduce((t, r) => t + r.series.reduce((u, s) => u + pick(s), 0), 0);
    expect(total([merged], (s) => s.bytesSent ?? 0)).toBe(
      total(shardFiles, (s) => s.bytesSent ?? 0),
    );
    expect(total([merged], (s) => s.bytesSent ?? 0)).toBeGreaterThan(0);

    // HDR counts add up: the merged histogram holds every shard's samples, as many as one run's.
    const histograms = await Promise.all(
      shards.map((_, i) => read(join(reports, `shard-${i + 1}-of-${SHARDS}.json`))),
    );
    const together = createHistogram();
    for (const shard of histograms) {
      together.add(decodeHistogram(shard.histograms.fromScheduled, 'shard'));
    }
    const mergedHistogram = decodeHistogram(merged.histograms.fromScheduled, 'merged');
    const aloneHistogram = decodeHistogram(alone.histograms.fromScheduled, 'alone');
    expect(mergedHistogram.totalCount).toBe(AGENTS);
    expect(mergedHistogram.totalCount).toBe(aloneHistogram.totalCount);
    // The merged run's percentiles are those of all shards' samples, to the histogram's
    // precision (3 significant digits): exact, not an average of the shards' percentiles.
    for (const p of [50, 90, 99, 100]) {
      const expected = percentileMs(together, p);
      expect(Math.abs(percentileMs(mergedHistogram, p) - expected)).toBeLessThanOrEqual(
        expected * 1e-3 + 1e-3,
      );
    }
    // The figures the summary and the gates read come from the same merged histogram.
    expect(merged.derived.latencyFromScheduled.p99Ms).toBeCloseTo(percentileMs(together, 99), 3);
  }, 240_000);
});
