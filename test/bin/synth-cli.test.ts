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
    // agent plane, console, push
    expect(stdout).toMatch(/azurerm_lb_rule\s+3/);
    expect(stdout).toContain('Outputs: key_vault_name, agent_url, console_url, agent_srv_record');
    // The architect is told what state holds and that Key Vault would refuse this machine.
    expect(stdout).toMatch(/STATE HOLDS SECRETS: .*ca-private-key, database-password/);
    expect(stdout).toMatch(/WARNING: Key Vault admits no address outside the VNet/);
    expect(stdout).toContain('First admin token, after apply: az keyvault secret show');
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
      'smc-rd-sensor.yaml',
      'smc-server-1.yaml',
      'smc-server-2.yaml',
    ]);
    // The main site's Rogue Detection Sensor, on the plan's small shape.
    expect(stdout).toMatch(/rd-sensor\s+1\s+1\s+1\s+8\s+existing host\s+192\.0\.2\.6/);
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
        sensor: [
          { address: '10.1.0.20', sshUser: 'ops', sshPrivateKeyPath: '/home/ops/.ssh/smc' },
          { address: '10.2.0.20', sshUser: 'ops', sshPrivateKeyPath: '/home/ops/.ssh/smc' },
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
      ['rd-sensor', ['10.1.0.20', '10.2.0.20']],
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
      [
        ['--clients', '100', '--hosts', bad],
        /^smc: --hosts .*bad\.json: only applies to --platform vms/,
      ],
      [
        ['--clients', '100', '--location', 'moon'],
        /^smc: --location: must be an Azure region name/,
      ],
      [
        ['--clients', '100', '--key-vault-allowed-cidr', '10.1.2.3/32'],
        /^smc: --key-vault-allowed-cidr: must be a public range/,
      ],
      [['--clients', '100', '--name-prefix', 'Acme'], /^smc: --name-prefix: must be 2 to 10/],
      [['--clients', '100', '--artifact', 'smc-kit'], /^smc: --artifact: must be a package spec/],
      [
        ['--clients', '100', '--node-mirror', 'ftp://mirror/node'],
        /^smc: --node-mirror: must be an http\(s\) URL/,
      ],
      [
        ['--clients', '100', '--office-clients', '60,0'],
        /^smc: --office-clients: must be an integer from 1 to 100/,
      ],
      [
        ['--clients', '100', '--office-clients', '60,50'],
        /^smc: --office-clients: add up to 110, more than the 100 clients/,
      ],
      [
        ['--clients', '100', '--backend', 'floppy'],
        /^smc: --backend: must be one of local, azurerm/,
      ],
      [
        ['--clients', '100', '--backend', 'azurerm', '--backend-config', 'storage_acount_name=x'],
        /^smc: --backend-config storage_acount_name: is not a setting of the azurerm backend/,
      ],
      [['--clients', '100', '--backend-config', 'nokey'], /--backend-config: must be key=value/],
      [[], /^smc: --clients: required \(or clients in the --config file\)/],
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

  it('--config: every setting from one JSON file, flags win; errors name the file and field', () => {
    const hosts = join(work, 'office-hosts.json');
    const key = '/home/ops/.ssh/smc';
    writeFileSync(
      hosts,
      JSON.stringify({
        server: [{ address: '10.1.0.10', sshUser: 'ops', sshPrivateKeyPath: key }],
        proxy: [
          { address: '10.3.0.10', sshUser: 'ops', sshPrivateKeyPath: key, office: 'lyon' },
          { address: '10.2.0.10', sshUser: 'ops', sshPrivateKeyPath: key, office: 'paris' },
        ],
        sensor: [{ address: '10.1.0.20', sshUser: 'ops', sshPrivateKeyPath: key }],
      }),
    );
    const config = join(work, 'smc.json');
    writeFileSync(
      config,
      JSON.stringify({
        clients: 900,
        platform: 'vms',
        hosts: 'office-hosts.json',
        offices: [
          { name: 'paris', clients: 300, agentCidrs: ['10.2.0.0/16'] },
          { name: 'lyon', clients: 100, agentCidrs: ['10.3.0.0/16'] },
        ],
        adminCidrs: ['10.9.0.0/24'],
        // The offices' LANs have no sensor host here: the main site's only.
        rogueDetection: { sensors: 'main-site', interface: 'ens18' },
        artifact: 'https://mirror.example.internal/smc-kit-0.1.0-offline.tgz',
        nodeMirror: 'https://mirror.example.internal/node',
        backend: { type: 'azurerm', config: { storage_account_name: 'acmetf' } },
      }),
    );
    const out = join(work, 'from-config');
    const { status, stdout, stderr } = runSmc([
      'synth',
      '--config',
      config,
      '--node-version',
      '20.20.2',
      '--backend-config',
      'container_name=tfstate',
      '--out',
      out,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/paris\s+300\s+1/);
    expect(stdout).toMatch(/lyon\s+100\s+1/);
    expect(stdout).toContain('terraform init -backend-config=key=...');
    const doc = stackJson(out);
    expect(doc.terraform.backend).toEqual({
      azurerm: { storage_account_name: 'acmetf', container_name: 'tfstate' },
    });
    const scripts = Object.values(
      doc.resource.null_resource as Record<
        string,
        { connection: { host: string }; provisioner: { file?: { content: string } }[] }
      >,
    );
    const byHost = new Map(
      scripts.map((r) => [
        r.connection.host,
        r.provisioner.map((p) => p.file?.content ?? '').join(''),
      ]),
    );
    // Each office's tagged host runs that office's proxy, admitting that office's agents.
    expect(byHost.get('10.2.0.10')).toContain('Require ip 10.2.0.0/16');
    expect(byHost.get('10.3.0.10')).toContain('Require ip 10.3.0.0/16');
    expect(byHost.get('10.1.0.20')).toContain('--interface ens18');
    const server = byHost.get('10.1.0.10') ?? '';
    expect(server).toContain('base=\'https://mirror.example.internal/node\'"/v$version"');
    expect(server).toContain('version=20.20.2');
    expect(server).toContain("'https://mirror.example.internal/smc-kit-0.1.0-offline.tgz'");

    const badConfig = join(work, 'bad-config.json');
    const failures: [unknown, RegExp][] = [
      [{ clients: 10, ofices: 1 }, /^smc: --config .*: ofices: is not a config field/],
      [
        { clients: 10, offices: [{ name: 'paris', clients: 0 }] },
        /^smc: --config .*: offices\[0\]\.clients: must be >= 1/,
      ],
      [
        { clients: 10, azure: { officeProxies: 'cloud' } },
        /^smc: --config .*: azure\.officeProxies: must be one of "on-premises", "vnet"/,
      ],
      [
        { clients: 10, adminCidrs: ['0.0.0.0/0'] },
        /^smc: --config .*: adminCidrs\[0\]: must not be the whole internet/,
      ],
      [
        { clients: 10, offices: [{ name: 'Paris' }] },
        /^smc: --config .*: offices\[0\]\.name: must be 2 to 32/,
      ],
    ];
    for (const [content, message] of failures) {
      writeFileSync(badConfig, JSON.stringify(content));
      const result = runSmc(['synth', '--config', badConfig, '--out', join(work, 'never')]);
      expect(result.stderr.trim(), JSON.stringify(content)).toMatch(message);
      expect(result.status).toBe(2);
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
      '--config',
      '--office-clients',
      '--agent-cidr',
      '--admin-cidr',
      '--key-vault-allowed-cidr',
      '--name-prefix',
      '--diagnostics-workspace',
      '--office-proxies',
      '--artifact',
      '--node-mirror',
      '--node-version',
      '--npm-registry',
      '--backend',
      '--backend-config',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('192.0.2.x');
    expect(stdout).toContain('not supported');
  });
});
