import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { UpgradeRehearsalOutcome } from '../../rehearsal/index.js';
import { runSmc, runSmcAsync } from './run-cli.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

describe('smc rehearse --upgrade', () => {
  it('rolls two local server processes under a simulated fleet and loses 0 acknowledged logs', async () => {
    const reportDir = await mkdtemp(path.join(tmpdir(), 'smc-upgrade-report-'));
    folders.push(reportDir);
    // Small and short on purpose: the verdict rests on lost logs, not on how busy the box is.
    const result = await runSmcAsync(
      [
        'rehearse',
        '--upgrade',
        '0.1.0..0.2.0',
        '--upgrade-agents',
        '300',
        '--fleet-seconds',
        '40',
        '--report-dir',
        reportDir,
        '--json',
      ],
      300_000,
    );
    expect(result.status, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as UpgradeRehearsalOutcome;
    const saved = JSON.parse(await readFile(path.join(reportDir, 'upgrade-verdict.json'), 'utf8'));
    expect(saved.verdict).toEqual(outcome.verdict);
    expect(outcome.verdict).toEqual({ verdict: 'pass', reasons: [] });
    expect(outcome.steps.map((s) => `${s.node} ${s.step}`)).toEqual([
      '1 drain',
      '1 stopped',
      '1 back as 0.2.0',
      '2 drain',
      '2 stopped',
      '2 back as 0.2.0',
    ]);
    expect(outcome.change.ok).toBeGreaterThan(0);
    expect(outcome.verify?.acknowledged).toBeGreaterThan(0);
    expect(outcome.verify?.lost).toBe(0);
    expect(outcome.verify?.acknowledged).toBe(outcome.logs.acknowledged);
    expect(result.stderr).toMatch(/node 2: back in rotation as 0\.2\.0/);
  }, 300_000);

  it('names the flag when FROM..TO is malformed', () => {
    const result = runSmc(['rehearse', '--upgrade', '0.1.0']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--upgrade: must be FROM\.\.TO/);
  });
});
