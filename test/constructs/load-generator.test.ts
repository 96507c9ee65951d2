import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aspects, TerraformStack, Testing } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluatePolicy,
  POLICY_RULES,
  TaggingAspect,
  type TerraformJson,
} from '../../constructs/index.js';
import {
  LoadGeneratorFleet,
  type LoadGeneratorFleetProps,
} from '../../constructs/load-generator/index.js';
import { PropsError } from '../../provider/props-error.js';
import { readShardSource } from '../../simulator/report/shard-sources.js';
import { fakeRun } from '../simulator/metrics/fake-run.js';
import { FakeBlobContainer } from '../support/fake-blob-container.js';
import { resources } from './synth-helper.js';

const TARGET = 'https://smc.example.internal:2222';
const KEY_VAULT =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/smc-rg/providers/Microsoft.KeyVault/vaults/smc-kv';
const AZURE = { location: 'westeurope', resourceGroupName: 'smc-rg', keyVaultId: KEY_VAULT };

function synth(props: LoadGeneratorFleetProps, tags?: Record<string, string>) {
  const stack = new TerraformStack(Testing.app(), 'smc-loadgen');
  new LoadGeneratorFleet(stack, 'LoadGenerator', props);
  if (tags) Aspects.of(stack).add(new TaggingAspect(tags));
  return JSON.parse(Testing.synth(stack)) as TerraformJson & Record<string, unknown>;
}

interface Job {
  spec: {
    completions: number;
    parallelism: number;
    completion_mode: string;
    backoff_limit: number;
    template: {
      spec: {
        restart_policy: string;
        container: {
          command: string[];
          env: { name: string; value?: string; value_from?: unknown }[];
        }[];
        volume: { name: string; secret?: unknown; persistent_volume_claim?: unknown }[];
      };
    };
  };
}

interface Group {
  container: {
    commands: string[];
    environment_variables: Record<string, string>;
    secure_environment_variables: Record<string, string>;
    volume: { name: string; secret?: Record<string, string> }[];
  }[];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'smc-loadgen-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs a shard's script as the container would (sh -c), with `npx` and `mkdir` replaced by
 * stand-ins on PATH: npx records the arguments it was given (and writes a report where
 * --json says, in a folder of the test's), so the wiring is proved by running it.
 */
async function runScript(script: string, env: Record<string, string>, report?: string) {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const reports = mkdtempSync(join(dir, 'reports-'));
  const argsFile = join(bin, 'args');
  writeFileSync(
    join(bin, 'npx'),
    [
      '#!/bin/sh',
      `for a in "$@"; do printf '%s\\n' "$a" >> '${argsFile}'; done`,
      report
        ? `while [ $# -gt 0 ]; do if [ "$1" = --json ]; then cp '${report}' "$2"; fi; shift; done`
        : '',
      'exit 0',
    ].join('\n'),
  );
  chmodSync(join(bin, 'npx'), 0o755);
  // Not spawnSync: the upload talks to a server in this process, whose loop must keep running.
  const child = spawn('sh', ['-c', script.replaceAll('/reports', reports)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const args = readFileSync(argsFile, 'utf8').trim().split('\n');
  return { status, stderr, args, reports };
}

const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('LoadGeneratorFleet on Kubernetes', () => {
  const json = synth({
    engine: 'kubernetes',
    shards: 10,
    target: TARGET,
    agents: 100_000,
    simulateArgs: ['--threshold', 'p99<250ms', '--time-scale', '10'],
  });
  const [job] = resources(json, 'kubernetes_job_v1') as unknown as Job[];

  it('is one Indexed Job of N pods running at once, none retried', () => {
    expect(job).toBeDefined();
    expect(job?.spec.completion_mode).toBe('Indexed');
    expect(job?.spec.completions).toBe(10);
    expect(job?.spec.parallelism).toBe(10);
    expect(job?.spec.backoff_limit).toBe(0);
    expect(job?.spec.template.spec.restart_policy).toBe('Never');
    expect(resources(json, 'kubernetes_persistent_volume_claim_v1')).toHaveLength(1);
  });

  it('turns the completion index into --shard i/N and names the report after it', async () => {
    const command = job?.spec.template.spec.container[0]?.command ?? [];
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    const run = await runScript(command[2] ?? '', { JOB_COMPLETION_INDEX: '4' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.args.slice(0, 5)).toEqual([
      '--yes',
      '--package=smc-kit@0.1.0',
      'smc',
      'simulate',
      '--target',
    ]);
    expect(flagValue(run.args, '--shard')).toBe('5/10');
    expect(flagValue(run.args, '--agents')).toBe('100000');
    expect(flagValue(run.args, '--ca')).toBe('/etc/smc-loadgen/ca.pem');
    expect(flagValue(run.args, '--json')).toBe(join(run.reports, 'shard-5-of-10.json'));
    expect(run.args.slice(-4)).toEqual(['--threshold', 'p99<250ms', '--time-scale', '10']);
    // Index 0 is the first shard: 1-based as --shard takes it.
    expect(
      flagValue((await runScript(command[2] ?? '', { JOB_COMPLETION_INDEX: '0' })).args, '--shard'),
    ).toBe('1/10');
  });

  it('takes the token and the CA from the Secret by name, never as text', () => {
    const container = job?.spec.template.spec.container[0];
    const token = container?.env.find((e) => e.name === 'SMC_ENROLL_TOKEN');
    expect(token?.value).toBeUndefined();
    expect(token?.value_from).toEqual({
      secret_key_ref: { name: 'smc-loadgen', key: 'enroll-token' },
    });
    expect(job?.spec.template.spec.volume.find((v) => v.name === 'ca')?.secret).toMatchObject({
      secret_name: 'smc-loadgen',
      items: [{ key: 'ca.pem', path: 'ca.pem' }],
    });
    expect(JSON.stringify(json)).not.toMatch(/BEGIN CERTIFICATE|--enroll-token/);
  });

  it('passes the policy suite', () => {
    expect(evaluatePolicy(json)).toEqual([]);
  });
});

describe('LoadGeneratorFleet on Azure container instances', () => {
  const json = synth(
    {
      engine: 'azure',
      shards: 10,
      target: TARGET,
      azure: { ...AZURE, reportUploadExpiry: '2099-01-01' },
    },
    { workload: 'loadgen' },
  );
  const groups = resources(json, 'azurerm_container_group') as unknown as Group[];
  const scriptOfShard = (shard: number) =>
    groups
      .map((g) => g.container[0]?.commands[2] ?? '')
      .find((script) => script.includes(`SHARD=${shard}\n`)) ?? '';

  it('is one container group per shard, each with its own --shard i/N', () => {
    expect(groups).toHaveLength(10);
    const shards = groups.map((g) => /SHARD=(\d+)\n/.exec(g.container[0]?.commands[2] ?? '')?.[1]);
    // Terraform JSON lists them by name (Shard1, Shard10, Shard2...): compare as numbers.
    expect(shards.map(Number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const group of groups)
      expect(group.container[0]?.commands[2]).toContain('--shard "$SHARD/10"');
  });

  it('reads the token and the CA from Key Vault into secure variables and a secret volume', () => {
    const [container] = groups[0]?.container ?? [];
    expect(container?.environment_variables).toEqual({ HOME: '/tmp' });
    expect(container?.secure_environment_variables.SMC_ENROLL_TOKEN).toMatch(
      /^\$\{data\.azurerm_key_vault_secret\.[\w-]+\.value\}$/,
    );
    expect(container?.secure_environment_variables.SMC_REPORT_SAS).toMatch(
      /^\$\{data\.azurerm_storage_account_blob_container_sas\.[\w-]+\.sas\}$/,
    );
    expect(container?.volume.find((v) => v.name === 'secrets')?.secret?.['ca.pem']).toMatch(
      /^\$\{base64encode\(data\.azurerm_key_vault_secret\.[\w-]+\.value\)\}$/,
    );
    const secrets = Object.values(
      (json.data as Record<string, Record<string, { name: string; key_vault_id: string }>>)
        .azurerm_key_vault_secret ?? {},
    );
    expect(secrets.map((s) => s.name).sort()).toEqual(['loadgen-ca', 'loadgen-enroll-token']);
    expect(secrets.every((s) => s.key_vault_id === KEY_VAULT)).toBe(true);
    // The upload SAS writes and creates, never reads, lists or deletes.
    const [sas] = Object.values(
      (json.data as Record<string, Record<string, { permissions: object; expiry: string }>>)
        .azurerm_storage_account_blob_container_sas ?? {},
    );
    expect(sas?.permissions).toEqual({
      add: true,
      create: true,
      write: true,
      read: false,
      list: false,
      delete: false,
    });
    expect(sas?.expiry).toBe('2099-01-01');
  });

  it('passes the policy suite, and the tagging aspect reaches its resources', () => {
    expect(evaluatePolicy(json)).toEqual([]);
    for (const type of ['azurerm_container_group', 'azurerm_storage_account']) {
      for (const resource of resources(json, type))
        expect(resource.tags).toEqual({ workload: 'loadgen' });
    }
  });

  it('uploads its report to the container with the SAS, and merge --from reads it back', async () => {
    const blob = await FakeBlobContainer.start();
    try {
      const report = join(dir, 'shard-report.json');
      writeFileSync(
        report,
        JSON.stringify(fakeRun({ seed: 3, meta: { shard: { index: 3, count: 10 } } })),
      );
      const run = await runScript(
        scriptOfShard(3),
        { SMC_REPORT_CONTAINER_URL: blob.url, SMC_REPORT_SAS: '?sv=2022-11-02&sp=cw&sig=upload' },
        report,
      );
      expect(run.status, run.stderr).toBe(0);
      expect([...blob.blobs.keys()]).toEqual(['shard-3-of-10.json']);
      expect(blob.blobs.get('shard-3-of-10.json')?.body.equals(readFileSync(report))).toBe(true);
      // Read back through the SDK: List Blobs, then Get Blob, with a read+list SAS.
      const read = await readShardSource(
        { kind: 'container-url', url: blob.url },
        { SMC_REPORTS_SAS: 'sv=2022-11-02&sp=rl&sig=read' },
        '--from',
      );
      expect(read.map((r) => r.name)).toEqual([`${blob.url}/shard-3-of-10.json`]);
      expect(read[0]?.result.meta.shard).toEqual({ index: 3, count: 10 });
      // The upload's SAS cannot read: the service refuses, and the error carries no SAS.
      await expect(
        readShardSource(
          { kind: 'container-url', url: blob.url },
          { SMC_REPORTS_SAS: 'sp=cw&sig=upload' },
          '--from',
        ),
      ).rejects.toThrow(
        /^--from: cannot list http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/loadgen-reports \(HTTP 403/,
      );
    } finally {
      await blob.close();
    }
  });
});

describe('LoadGeneratorFleet props', () => {
  const base: LoadGeneratorFleetProps = { engine: 'kubernetes', shards: 2, target: TARGET };
  it.each<[Partial<LoadGeneratorFleetProps>, RegExp]>([
    [{ shards: 0 }, /^shards: must be a whole number from 1 to 1000/],
    [{ shards: 2.5 }, /^shards: /],
    [{ target: 'http://smc:2222' }, /^target: must be an https URL/],
    [{ target: "https://smc:2222/'; rm -rf /" }, /^target: /],
    [{ agents: 1 }, /^agents: must be a whole number of at least one per shard \(2\)/],
    [{ interval: 'soon' }, /^interval: must be a duration/],
    [{ simulateArgs: ['--shard', '1/1'] }, /^simulateArgs\[0\]: --shard is set by the fleet/],
    [{ simulateArgs: ['--json=x.json'] }, /^simulateArgs\[0\]: --json is set by the fleet/],
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's syntax, on purpose
      { simulateArgs: ['--seed=${var.x}'] },
      /^simulateArgs\[0\]: must be a string on one line without/,
    ],
    [{ image: 'node 20' }, /^image: /],
    [{ cpu: 0 }, /^cpu: must be from 0.25 to 64/],
    [{ kubernetes: { namespace: 'Load_Gen' } }, /^kubernetes\.namespace: must be a DNS label/],
    [{ kubernetes: { reportsVolumeSize: 'lots' } }, /^kubernetes\.reportsVolumeSize: /],
    [{ engine: 'azure' }, /^azure: required with engine azure/],
    [
      { engine: 'azure', azure: { ...AZURE, keyVaultId: 'smc-kv' } },
      /^azure\.keyVaultId: must be a Key Vault resource id/,
    ],
    [{ engine: 'azure', azure: { ...AZURE, namePrefix: 'Smc-Test' } }, /^azure\.namePrefix: /],
    [
      { engine: 'azure', azure: { ...AZURE, reportUploadExpiry: '2001-01-01' } },
      /^azure\.reportUploadExpiry: must lie in the future/,
    ],
    [{ engine: 'pigeon' as 'azure' }, /^engine: must be one of kubernetes, azure/],
  ])('%j is refused early, naming the prop', (override, message) => {
    const stack = new TerraformStack(Testing.app(), 'smc-loadgen');
    const build = () => new LoadGeneratorFleet(stack, 'LoadGenerator', { ...base, ...override });
    expect(build).toThrow(PropsError);
    expect(build).toThrow(message);
  });
});

describe('policy rules for containers and report storage', () => {
  const azure = () => synth({ engine: 'azure', shards: 1, target: TARGET, azure: AZURE });
  const rule = (json: TerraformJson, id: string) =>
    evaluatePolicy(
      json,
      POLICY_RULES.filter((r) => r.id === id),
    );

  it('flags a token in plain variables, a literal secret, and a CA in the manifest', () => {
    const json = azure() as unknown as { resource: Record<string, Record<string, Group>> };
    const group = Object.values(json.resource.azurerm_container_group ?? {})[0];
    const container = group?.container[0];
    if (!container) throw new Error('no container');
    container.environment_variables.SMC_ENROLL_TOKEN = 'a-token-in-plain-text';
    container.secure_environment_variables.SMC_REPORT_SAS = 'sv=2022&sig=literal';
    container.commands[2] = `${container.commands[2]}\n-----BEGIN CERTIFICATE-----`;
    const messages = rule(
      json as unknown as TerraformJson,
      'SMC-CONTAINER-SECRETS-BY-REFERENCE',
    ).map((v) => v.message);
    expect(messages).toEqual([
      'a PEM block in the manifest',
      'SMC_ENROLL_TOKEN is a plain environment variable, not a secure one',
      'SMC_REPORT_SAS holds a literal, not a reference to Key Vault or state',
    ]);
  });

  it('flags a literal token on the Kubernetes Job', () => {
    const json = synth({ engine: 'kubernetes', shards: 1, target: TARGET }) as unknown as {
      resource: Record<string, Record<string, Job>>;
    };
    const job = Object.values(json.resource.kubernetes_job_v1 ?? {})[0];
    job?.spec.template.spec.container[0]?.env.push({ name: 'SMC_ENROLL_TOKEN', value: 'plain' });
    expect(
      rule(json as unknown as TerraformJson, 'SMC-CONTAINER-SECRETS-BY-REFERENCE').map(
        (v) => v.message,
      ),
    ).toEqual(['SMC_ENROLL_TOKEN is a literal value, not a secretKeyRef']);
  });

  it('flags storage that takes old TLS, plain HTTP or public blobs', () => {
    const json = azure() as unknown as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    const account = Object.values(json.resource.azurerm_storage_account ?? {})[0] ?? {};
    account.min_tls_version = 'TLS1_0';
    account.https_traffic_only_enabled = false;
    account.allow_nested_items_to_be_public = true;
    const container = Object.values(json.resource.azurerm_storage_container ?? {})[0] ?? {};
    container.container_access_type = 'blob';
    expect(
      rule(json as unknown as TerraformJson, 'SMC-STORAGE-PRIVATE-TLS').map((v) => v.message),
    ).toEqual([
      'min_tls_version is not TLS1_2',
      'https_traffic_only_enabled is not true',
      'allow_nested_items_to_be_public is not false',
      'container_access_type is not private',
    ]);
  });
});
