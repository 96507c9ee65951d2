import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeRehearsal } from '../../bin/rehearsal/verdict.js';
import { planDeployment } from '../../sizing/index.js';
import { runSmcAsync } from './run-cli.js';

describe('rehearsal verdict', () => {
  const plan = planDeployment({ clients: 20_000 }); // 11.1/s required at 30 min

  it('passes with 2x headroom and says what the server carries', () => {
    const v = judgeRehearsal(plan, 100, 0);
    expect(v.verdict).toBe('pass');
    expect(v.headroom).toBeCloseTo(9, 0);
    expect(v.sustainableIntervalSeconds).toBe(200);
    expect(v.recommendedIntervalSeconds).toBe(400);
    expect(v.clientsAtPlanInterval).toBe(90_000);
  });

  it('is marginal under 2x, fails under 1x, with no capacity, or with lost logs', () => {
    expect(judgeRehearsal(plan, 15, 0).verdict).toBe('marginal');
    expect(judgeRehearsal(plan, 10, 0).verdict).toBe('fail');
    expect(judgeRehearsal(plan, 0, null).reasons[0]).toMatch(/no step/);
    expect(judgeRehearsal(plan, 1_000, 3).reasons).toEqual(['3 acknowledged logs were not stored']);
  });
});

describe('smc rehearse (built binary)', () => {
  it('runs the real server, a capacity search and a verified fleet, and writes reports', async () => {
    const reportDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearse-'));
    const { status, stdout, stderr } = await runSmcAsync(
      [
        'rehearse',
        '--clients',
        '60',
        '--capacity-agents',
        '40',
        '--fleet-seconds',
        '4',
        '--report-dir',
        reportDir,
        '--json',
      ],
      240_000,
    );
    // A busy test machine may hold less than the plan wants (exit 99), never crash (1) or misuse (2).
    expect([0, 99], stderr).toContain(status);
    const verdict = JSON.parse(stdout.slice(stdout.lastIndexOf('\n{') + 1));
    expect(verdict).toMatchObject({ clients: 60, fleetLostLogs: 0 });
    expect(verdict.measuredCapacityPerSecond).toBeGreaterThan(0);
    const saved = JSON.parse(await readFile(path.join(reportDir, 'verdict.json'), 'utf8'));
    expect(saved.plan.input.clients).toBe(60);
    // No mobile devices in the plan: no connector, no devices in the verdict file.
    expect(saved.devices).toBeUndefined();
    expect(stderr).not.toMatch(/connector up/);
    for (const file of ['capacity.json', 'capacity.html', 'fleet.json', 'fleet.html']) {
      expect((await readFile(path.join(reportDir, file), 'utf8')).length).toBeGreaterThan(100);
    }
  });

  it('runs the connector and its devices beside the fleet when the plan has mobile devices', async () => {
    const reportDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearse-mdm-'));
    const { status, stderr } = await runSmcAsync(
      [
        'rehearse',
        '--clients',
        '40',
        '--mobile-devices',
        '20',
        '--capacity-agents',
        '30',
        '--fleet-seconds',
        '6',
        '--report-dir',
        reportDir,
        '--json',
      ],
      300_000,
    );
    expect([0, 99], stderr).toContain(status);
    expect(stderr).toMatch(/connector up: devices https:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).toMatch(/devices: 20 \(\d+ Android, \d+ iOS\) enrolled/);
    const saved = JSON.parse(await readFile(path.join(reportDir, 'verdict.json'), 'utf8'));
    expect(saved.plan.input.mobileDevices).toBe(20);
    expect(saved.devices.devices.count).toBe(20);
    expect(saved.devices.checkIns.ok).toBeGreaterThan(0);
    expect(saved.devices.checkIns.failed).toBe(0);
  });

  it('rejects bad input with exit 2', async () => {
    const { status, stderr } = await runSmcAsync(['rehearse', '--clients', '0']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/--clients/);
  });
});
