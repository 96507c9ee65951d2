import { describe, expect, it } from 'vitest';
import type { SizingPlan } from '../../sizing/index.js';
import { runSmc } from './run-cli.js';

describe('smc plan (built binary)', () => {
  it('prints a readable table', () => {
    const { status, stdout, stderr } = runSmc(['plan', '--clients', '20000']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/Tier\s+10,001-50,000 clients/);
    expect(stdout).toMatch(/11\.1\/s required/);
    expect(stdout).toMatch(/server\s+1\s+4\s+8\s+40\s+Standard_D4s_v5 \(4 cores, 16 GiB\)/);
    expect(stdout).toMatch(/database\s+1\s+8\s+8\s+256\s+GP_Standard_D8ds_v5/);
  });

  it('labels RAM as the requirement, sizes the server disk for what lives on it, lists the load balancer', () => {
    // 800 clients on Azure: the database is managed, so the server keeps no database disk.
    const small = runSmc(['plan', '--clients', '800']).stdout;
    expect(small).toMatch(/RAM GiB \(required\)/);
    expect(small).toMatch(/server\s+1\s+2\s+4\s+40\s+Standard_D2s_v5 \(2 cores, 8 GiB\)/);
    // On existing hosts the database shares the server box: the guide's 100 GB stays.
    expect(runSmc(['plan', '--clients', '800', '--platform', 'vms']).stdout).toMatch(
      /server\s+1\s+2\s+4\s+100\s+shape only/,
    );
    const pair = runSmc(['plan', '--clients', '150000']).stdout;
    expect(pair).toMatch(
      /load balancer\s+1\s+-\s+-\s+-\s+Standard load balancer, TCP 2222\/2223 to the 2 servers/,
    );
    expect(small).not.toMatch(/load balancer\s+1/);
  });

  it('--json prints only the plan, matching esmc-facts.md for 20,000 clients', () => {
    const { status, stdout } = runSmc(['plan', '--clients', '20000', '--json']);
    expect(status).toBe(0);
    const plan = JSON.parse(stdout) as SizingPlan;
    expect(plan.tier.id).toBe('10k-50k');
    expect(plan.replication.deploymentIntervalSeconds).toBe(900);
    expect(plan.replication.steadyIntervalSeconds).toBe(1_800);
    expect(plan.machines.find((m) => m.role === 'server')).toMatchObject({ cores: 4, diskGiB: 40 });
  });

  it('passes every flag through', () => {
    const { status, stdout } = runSmc([
      'plan',
      '--clients',
      '5000',
      '--platform',
      'vms',
      '--phase',
      'deployment',
      '--interval',
      '8m',
      '--offices',
      '2',
      '--mobile-devices',
      '100',
      '--ha',
      '--logs-per-client-day',
      '35',
      '--server-us-per-replication',
      '150.5',
      '--server-kib-per-session',
      '90',
      '--json',
    ]);
    expect(status).toBe(0);
    const plan = JSON.parse(stdout) as SizingPlan;
    expect(plan.input).toEqual({
      clients: 5_000,
      mobileDevices: 100,
      offices: 2,
      officeClients: null,
      platform: 'vms',
      highAvailability: true,
      phase: 'deployment',
      replicationIntervalSeconds: 480,
      logsPerClientPerDay: 35,
      databaseEngine: 'postgresql',
      serverUsPerReplication: 150.5,
      serverKiBPerSession: 90,
    });
    expect(plan.databaseGrowth.logsPerClientPerDay).toBe(35);
    expect(plan.serverNodes.serverKiBPerSession).toBe(90);
    expect(plan.replication.requiredRatePerSecond).toBeCloseTo(10.42, 2);
    const perOffice = runSmc(['plan', '--clients', '5000', '--office-clients', '1800,200']);
    expect(perOffice.status).toBe(0);
    expect(perOffice.stdout).toContain('3 (office 1: 1,800 clients, 2; office 2: 200 clients, 1;');
    expect(runSmc(['plan', '--clients', '60000', '--no-ha', '--json']).stdout).toMatch(
      /"highAvailability": false/,
    );
  });

  it.each([
    [['plan', '--clients', '0'], /--clients: must be an integer/],
    [['plan', '--clients', 'many'], /--clients: .*"many"/],
    [['plan', '--clients', '10', '--platform', 'gcp'], /--platform/],
    [['plan', '--clients', '10', '--phase', 'soon'], /--phase/],
    [['plan', '--clients', '10', '--interval', '5x'], /--interval: must be a duration/],
    [['plan', '--clients', '10', '--interval', '5s'], /--interval: must be an integer from 10/],
    [
      ['plan', '--clients', '10', '--logs-per-client-day', '-1'],
      /--logs-per-client-day: must be a number from 0/,
    ],
    [
      ['plan', '--clients', '10', '--server-kib-per-session', 'x'],
      /--server-kib-per-session: .*"x"/,
    ],
    [
      ['plan', '--clients', '10', '--server-us-per-replication', '0'],
      /--server-us-per-replication: must be a number from 1/,
    ],
    [
      ['plan', '--clients', '10000000', '--logs-per-client-day', '100'],
      /--logs-per-client-day: makes the database grow to [\d,]+ GiB .* more than one Flexible Server holds/,
    ],
    [['plan'], /--clients/],
    [['plan', '--clients', '10', '--frobnicate'], /unknown option '--frobnicate'/],
    [['nonsense'], /unknown command/],
  ])('%j exits 2 with one line naming the problem', (args, pattern) => {
    const { status, stdout, stderr } = runSmc(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(pattern);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--help works on the root and on plan, exit 0', () => {
    expect(runSmc(['--help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/plan/) });
    expect(runSmc(['plan', '--help'])).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/--mobile-devices/),
    });
  });
});
