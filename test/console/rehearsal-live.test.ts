import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleRequest } from '../../bin/cli/console-client.js';
import type { RehearsalUpdate } from '../../protocol/index.js';
import { judgeRehearsal, RehearsalFeed } from '../../rehearsal/index.js';
import { planDeployment } from '../../sizing/index.js';
import { SMC_BIN } from '../bin/run-cli.js';
import { failedFindings } from '../rehearsal/findings-fixture.js';

type Live = RehearsalUpdate & { updatedAt: string };

describe('smc rehearse feeds its server’s console (built binary)', () => {
  it('prints the console address and pushes the curve, steps, verdict and reports', async () => {
    const reportDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearse-live-'));
    const child = spawn(
      process.execPath,
      [
        SMC_BIN,
        'rehearse',
        '--clients',
        '60',
        '--capacity-agents',
        '40',
        '--fleet-seconds',
        '4',
        '--storm-window',
        '3s',
        '--max-rate',
        '400',
        '--report-dir',
        reportDir,
        '--hold',
        '60s',
        '--json',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const held = new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/the console stays up for 60 s/.test(stderr)) resolve();
        });
      });
      await Promise.race([held, exited.then(() => Promise.reject(new Error(stderr)))]);

      const live =
        /watch it live: (https:\/\/127\.0\.0\.1:\d+)\/#\/rehearsal \(sign in with the admin token in (\S+); the certificate is from (\S+)\)/.exec(
          stderr,
        );
      expect(live, stderr).not.toBeNull();
      const [, baseUrl = '', tokenFile = '', caFile = ''] = live ?? [];
      const token = (await readFile(tokenFile, 'utf8')).trim();
      const ca = await readFile(caFile, 'utf8');
      const get = <T>(route: string) =>
        consoleRequest<T>({ baseUrl, path: route, method: 'GET', token, ca });

      const state = await get<Live>('/api/rehearsal');
      expect(state.phase).toBe('done');
      expect(state.clients).toBe(60);
      expect(state.series.length).toBeGreaterThan(3);
      expect(state.series.some((s) => s.completed > 0)).toBe(true);
      expect(state.capacitySteps.length).toBeGreaterThan(0);
      expect(state.verdict?.fleetLostLogs).toBe(0);
      expect(state.reports).toEqual(['capacity.html', 'fleet.html', 'storm.html']);
      const report = await get<{ html: string }>('/api/rehearsal/reports/fleet.html');
      expect(report.html).toBe(await readFile(path.join(reportDir, 'fleet.html'), 'utf8'));
    } finally {
      // SIGTERM cuts the hold short; the rehearsal still stops its server and exits.
      child.kill('SIGTERM');
      await exited;
    }
    expect(stderr).toContain('smc rehearse: verdict');
    const dataDir = /(\/\S+\/smc-rehearsal-[^/\s]+)\//.exec(stderr)?.[1];
    expect(dataDir, stderr).toBeDefined();
    await expect(readFile(path.join(dataDir ?? '', 'ready.json'))).rejects.toThrow(/ENOENT/);
  }, 240_000);
});

describe('RehearsalFeed', () => {
  it('never throws when the console cannot be reached', async () => {
    const plan = planDeployment({ clients: 100 });
    const feed = new RehearsalFeed(
      { url: 'https://127.0.0.1:9', adminToken: 'x', caPem: 'not a certificate' },
      plan,
    );
    feed.start();
    await expect(
      feed.finish(judgeRehearsal(plan, failedFindings(100), { memoryBytes: 2 ** 34 })),
    ).resolves.toBeUndefined();
    expect(feed.failedPushes).toBe(1);
    // Infinity and NaN have no JSON form: the snapshot says null or 0 instead.
    expect(feed.snapshot().verdict).toMatchObject({
      verdict: 'fail',
      measuredCapacityPerSecond: 0,
    });
  });
});
