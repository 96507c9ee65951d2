import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSmcAsync } from './run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Latency {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

describe('smc rehearse with wake-ups (built binary)', () => {
  it('reports task delivery latency beside the fleet run in the text, verdict.json and fleet report', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'smc-rehearse-wakeups-'));
    folders.push(dir);
    const { status, stdout, stderr } = await runSmcAsync(
      [
        'rehearse',
        '--clients',
        '300',
        // Capacity is not what this test is about: stop the search early.
        '--max-rate',
        '600',
        '--fleet-seconds',
        '20s',
        '--storm-window',
        '5s',
        '--report-dir',
        dir,
      ],
      300_000,
    );
    // A busy machine may make the verdict INCONCLUSIVE or MARGINAL; never a crash or misuse.
    expect([0, 98, 99], stderr).toContain(status);
    const saved = JSON.parse(await readFile(path.join(dir, 'verdict.json'), 'utf8')) as {
      plan: { replication: { intervalSeconds: number } };
      findings: {
        fleet: {
          taskDelivery: {
            wakeups: string;
            sessionsSubscribed: number;
            tasksCreated: number;
            createdToReceived: Latency;
            createdToResult: Latency;
          } | null;
        } | null;
      };
    };
    const delivery = saved.findings.fleet?.taskDelivery;
    expect(delivery, stderr).toBeTruthy();
    if (!delivery) return;
    expect(delivery.wakeups).toBe('on');
    expect(delivery.sessionsSubscribed).toBe(300);
    expect(delivery.tasksCreated).toBeGreaterThan(0);
    expect(delivery.createdToResult.count).toBeGreaterThan(0);
    expect(delivery.createdToReceived.count).toBeGreaterThan(0);
    // With wake-ups a task does not wait for the agent's next interval.
    const intervalMs = saved.plan.replication.intervalSeconds * 1_000;
    expect(delivery.createdToResult.p99Ms).toBeLessThan(intervalMs);
    expect(delivery.createdToReceived.p99Ms).toBeLessThan(intervalMs);

    expect(stdout).toMatch(
      /tasks +task delivery with wake-ups \(\d+ probe tasks, \d+ targets, 300 push sessions\): created -> result received p50 \d+ ms, p99 \d+ ms/,
    );
    const fleet = JSON.parse(await readFile(path.join(dir, 'fleet.json'), 'utf8'));
    expect(fleet.meta.options.taskDelivery.createdToResult.count).toBe(
      delivery.createdToResult.count,
    );
    const html = await readFile(path.join(dir, 'fleet.html'), 'utf8');
    expect(html).toContain('Task delivery (wake-ups on)');
    expect(html).toContain('created -&gt; result received');
  }, 300_000);

  it('measures no task delivery with --wakeups off', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'smc-rehearse-wakeups-off-'));
    folders.push(dir);
    const { status, stdout, stderr } = await runSmcAsync(
      [
        'rehearse',
        '--clients',
        '100',
        '--max-rate',
        '400',
        '--fleet-seconds',
        '10s',
        '--storm-window',
        '5s',
        '--wakeups',
        'off',
        '--report-dir',
        dir,
      ],
      300_000,
    );
    expect([0, 98, 99], stderr).toContain(status);
    const saved = JSON.parse(await readFile(path.join(dir, 'verdict.json'), 'utf8'));
    expect(saved.findings.fleet).not.toBeNull();
    expect(saved.findings.fleet.taskDelivery).toBeNull();
    expect(stdout).not.toMatch(/task delivery with wake-ups/);
  }, 300_000);
});
