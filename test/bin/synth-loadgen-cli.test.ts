import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSmc } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'smc-synth-loadgen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TARGET = 'https://smc.example.internal:2222';
const VAULT = '/subscriptions/S/resourceGroups/smc-rg/providers/Microsoft.KeyVault/vaults/smc-kv';

describe('smc synth-loadgen (built binary)', () => {
  it('writes a 10-shard Indexed Job and says where the secrets and reports are', () => {
    const out = join(dir, 'k8s');
    const { status, stdout, stderr } = runSmc(
      ['synth-loadgen', '--load-generators', '10', '--target', TARGET, '--out', out, '--json'],
      { timeoutMs: 60_000 },
    );
    expect(status, stderr).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ engine: 'kubernetes', shards: 10, agents: 100_000 });
    expect(summary.policy.violations).toEqual([]);
    const doc = JSON.parse(readFileSync(join(out, 'stacks', 'smc-loadgen', 'cdk.tf.json'), 'utf8'));
    const [job] = Object.values(doc.resource.kubernetes_job_v1) as {
      spec: { completions: number };
    }[];
    expect(job?.spec.completions).toBe(10);
  });

  it('writes 10 container groups on Azure', () => {
    const out = join(dir, 'azure');
    const { status, stdout, stderr } = runSmc(
      [
        'synth-loadgen',
        '--load-generators',
        '10',
        '--engine',
        'azure',
        '--target',
        TARGET,
        '--location',
        'westeurope',
        '--resource-group',
        'smc-rg',
        '--key-vault-id',
        VAULT,
        '--out',
        out,
      ],
      { timeoutMs: 60_000 },
    );
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(/10 x azurerm_container_group/);
    expect(stdout).toMatch(/policy: \d+ rules, no violations/);
  });

  it.each([
    [[], /^smc: --load-generators: required/],
    [['--load-generators', '10'], /^smc: --target: required/],
    [
      ['--load-generators', 'ten', '--target', TARGET],
      /^smc: --load-generators: must be a whole number/,
    ],
    [
      ['--load-generators', '0', '--target', TARGET],
      /^smc: --load-generators: must be a whole number from 1 to 1000/,
    ],
    [
      ['--load-generators', '2', '--target', 'http://smc:2222'],
      /^smc: --target: must be an https URL/,
    ],
    [
      ['--load-generators', '2', '--target', TARGET, '--simulate-arg=--shard'],
      /^smc: --simulate-arg: --shard is set by the fleet/,
    ],
    [
      ['--load-generators', '2', '--target', TARGET, '--engine', 'azure'],
      /^smc: --location: required with --engine azure/,
    ],
    [
      ['--load-generators', '2', '--target', TARGET, '--location', 'westeurope'],
      /^smc: --location, .*only apply to --engine azure/,
    ],
    [
      [
        '--load-generators',
        '2',
        '--target',
        TARGET,
        '--engine',
        'azure',
        '--location',
        'westeurope',
        '--resource-group',
        'rg',
        '--key-vault-id',
        'kv',
      ],
      /^smc: --key-vault-id: must be a Key Vault resource id/,
    ],
    [
      ['--load-generators', '2', '--target', TARGET, '--namespace', 'Bad_Name'],
      /^smc: --namespace: must be a DNS label/,
    ],
    [
      ['--load-generators', '2', '--target', TARGET, '--engine', 'pigeon'],
      /^smc: option '--engine <engine>' argument 'pigeon' is invalid/,
    ],
  ])('rejects %j with exit 2 and one line naming the flag', (args, message) => {
    const { status, stderr, stdout } = runSmc([
      'synth-loadgen',
      ...args,
      '--out',
      join(dir, 'bad'),
    ]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
