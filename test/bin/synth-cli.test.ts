import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatePolicy, formatViolations } from '../../constructs/policy/index.js';
import { runSmc } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'smc-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stackJson(out: string) {
  return JSON.parse(readFileSync(join(out, 'stacks', 'smc', 'cdk.tf.json'), 'utf8'));
}

describe('smc synth (built binary)', () => {
  it('150,000 clients on Azure: writes cdktf.out that passes the policy suite, prints a summary', () => {
    const out = join(work, 'azure');
    const { status, stdout, stderr } = runSmc([
      'synth',
      '--clients',
      '150000',
      '--platform',
      'azure',
      '--out',
      out,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/server\s+2\s+8\s+16\s+80\s+Standard_D8s_v5/);
    expect(stdout).toMatch(
      /database\s+1\s+8\s+64\s+1024\s+MO_Standard_E8ds_v5 \(zone-redundant HA\)/,
    );
    expect(stdout).toMatch(/azurerm_lb_rule\s+2/);
    expect(stdout).toContain('Outputs: agent_url, console_url, agent_srv_record');
    expect(stdout).toMatch(/Policy: \d+ rules passed/);
    expect(formatViolations(evaluatePolicy(stackJson(out)))).toBe('');
  });

  it('150,000 clients on vms: placeholder hosts, clearly marked, cloud-init per host', () => {
    const out = join(work, 'vms');
    const { status, stdout } = runSmc([
      'synth',
      '--clients',
      '150000',
      '--platform',
      'vms',
      '--out',
      out,
    ]);
    expect(status).toBe(0);
    expect(stdout).toContain('PLACEHOLDER HOSTS');
    expect(stdout).toMatch(/server\s+2\s+8\s+16\s+80\s+existing host\s+192\.0\.2\.1, 192\.0\.2\.2/);
    expect(formatViolations(evaluatePolicy(stackJson(out)))).toBe('');
    expect(readdirSync(join(out, 'cloud-init')).sort()).toEqual([
      'smc-db-1.yaml',
      'smc-db-2.yaml',
      'smc-lb.yaml',
      'smc-server-1.yaml',
      'smc-server-2.yaml',
    ]);
  });

  it('--hosts: real hosts replace the placeholders; --json prints the summary as JSON', () => {
    const hosts = join(work, 'hosts.json');
    writeFileSync(
      hosts,
      JSON.stringify({
        server: [{ address: '10.1.0.10', sshUser: 'ops', sshPrivateKeyPath: '/home/ops/.ssh/smc' }],
        proxy: [
          {
            address: '10.2.0.10',
            sshUser: 'ops',
            sshPrivateKeyPath: '/home/ops/.ssh/smc',
            sshPort: 2200,
          },
        ],
      }),
    );
    const out = join(work, 'real');
    const { status, stdout } = runSmc([
      'synth',
      '--clients',
      '900',
      '--offices',
      '1',
      '--platform',
      'vms',
      '--hosts',
      hosts,
      '--out',
      out,
      '--json',
    ]);
    expect(status).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      platform: 'vms',
      placeholders: false,
      policy: { violations: [] },
    });
    expect(
      summary.machines.map((m: { role: string; addresses: string[] }) => [m.role, m.addresses]),
    ).toEqual([
      ['server', ['10.1.0.10']],
      ['proxy', ['10.2.0.10']],
    ]);
    const connections = Object.values(
      stackJson(out).resource.null_resource as Record<string, { connection: object }>,
    ).map((host) => host.connection);
    expect(connections).toContainEqual({
      type: 'ssh',
      host: '10.2.0.10',
      port: 2200,
      user: 'ops',
      // Terraform reads the key file when it connects; the key itself never enters the plan.
      private_key: ['$', '{file("/home/ops/.ssh/smc")}'].join(''),
    });
  });

  it('bad input exits 2 with the field named', () => {
    const bad = join(work, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        server: [{ address: '10.0.0.1', sshUser: 'ops', sshPrivateKeyPath: '/k', sshPort: 0 }],
      }),
    );
    const cases: [string[], RegExp][] = [
      [['--clients', '0'], /^smc: --clients: must be an integer from 1/],
      [
        ['--clients', '100', '--platform', 'vms', '--hosts', bad],
        /^smc: --hosts .*bad\.json: hosts\.server\[0\]\.sshPort: must be an integer from 1 to 65535/,
      ],
      [
        ['--clients', '100', '--platform', 'vms', '--hosts', join(work, 'missing.json')],
        /^smc: --hosts: cannot read .*missing\.json: ENOENT/,
      ],
      [['--clients', '100', '--hosts', bad], /^smc: --hosts: only applies to --platform vms/],
      [['--clients', '100', '--location', 'moon'], /^smc: location: must be an Azure region name/],
      [
        ['--clients', '150000', '--platform', 'vms', '--hosts', join(work, 'hosts.json')],
        /^smc: --hosts .*: hosts\.database: must list at least 1 host\(s\) for this plan/,
      ],
      [
        ['--clients', '100', '--hcl'],
        /^smc: --hcl: cdktf 0\.21's HCL renderer writes multi-line strings/,
      ],
    ];
    for (const [args, message] of cases) {
      const { status, stderr } = runSmc(['synth', '--out', join(work, 'never'), ...args]);
      expect(stderr.trim(), args.join(' ')).toMatch(message);
      expect(status, args.join(' ')).toBe(2);
    }
  });

  it('--help documents the flags, the placeholder addresses and why there is no HCL', () => {
    const { status, stdout } = runSmc(['synth', '--help']);
    expect(status).toBe(0);
    for (const flag of [
      '--clients',
      '--platform',
      '--hosts',
      '--out',
      '--hcl',
      '--offices',
      '--mobile-devices',
      '--no-ha',
      '--phase',
      '--interval',
      '--json',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('192.0.2.x');
    expect(stdout).toContain('not supported');
  });
});
