import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatePolicy, formatViolations } from '../../constructs/policy/index.js';
import { runSmc } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'smc-synth-citus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stackJson(out: string) {
  return JSON.parse(readFileSync(join(out, 'stacks', 'smc', 'cdk.tf.json'), 'utf8'));
}

describe('smc synth --database citus (built binary)', () => {
  it('1,000,000 clients on Azure: a Citus cluster, no Flexible Server, the assumption printed, policy clean', () => {
    const out = join(work, 'citus');
    const { status, stdout, stderr } = runSmc([
      'synth',
      '--clients',
      '1000000',
      '--database',
      'citus',
      '--out',
      out,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /database\s+5\s+24\s+160\s+2176\s+Cosmos DB for PostgreSQL \(Citus\): coordinator 8 vCores \+ 4 workers x 4 vCores \(HA standbys\)/,
    );
    expect(stdout).toMatch(/azurerm_cosmosdb_postgresql_cluster\s+1/);
    expect(stdout).toMatch(/azurerm_private_endpoint\s+1/);
    expect(stdout).not.toContain('azurerm_postgresql_flexible_server');
    expect(stdout).toMatch(
      /WARNING: Citus cluster \(ours\): 4 workers = max\(2, ceil\(1,000,000 clients/,
    );
    expect(stdout).toContain('Synthesized and policy-checked only');
    expect(stdout).toMatch(/Policy: \d+ rules passed/);
    const json = stackJson(out);
    expect(Object.keys(json.resource.azurerm_cosmosdb_postgresql_cluster)).toHaveLength(1);
    expect(json.resource.azurerm_postgresql_flexible_server).toBeUndefined();
    expect(formatViolations(evaluatePolicy(json))).toBe('');
  });

  it('the config file sets it too: database.engine', () => {
    const out = join(work, 'config');
    const config = join(work, 'smc.json');
    writeFileSync(config, JSON.stringify({ clients: 300_000, database: { engine: 'citus' } }));
    const { status, stdout } = runSmc(['synth', '--config', config, '--out', out]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/azurerm_cosmosdb_postgresql_cluster\s+1/);
  });

  it('refuses citus on vms naming the flag, and an unknown engine', () => {
    const vms = runSmc([
      'synth',
      '--clients',
      '200000',
      '--platform',
      'vms',
      '--database',
      'citus',
      '--out',
      join(work, 'vms'),
    ]);
    expect(vms.status).toBe(2);
    expect(vms.stderr).toMatch(
      /^smc: --database: must be 'postgresql' on vms: Citus is offered only as Azure Cosmos DB for PostgreSQL/,
    );
    const unknown = runSmc(['synth', '--clients', '1000', '--database', 'mysql']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/--database <engine>' argument 'mysql' is invalid/);
  });
});
