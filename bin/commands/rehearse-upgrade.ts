import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT } from '../cli/exit-codes.js';
import { ensureOutputDir } from '../cli/output-dir.js';
import { UsageError } from '../cli/usage-error.js';

/** `FROM..TO`: the release pair the rolling upgrade goes between. */
export function parseUpgradeFlag(value: string): { from: string; to: string } {
  const match = /^([0-9A-Za-z.+-]{1,24}?)\.\.([0-9A-Za-z.+-]{1,24})$/.exec(value);
  if (!match || match[1] === match[2] || match[1]?.endsWith('.') || match[2]?.startsWith('.'))
    throw new UsageError(
      `--upgrade: must be FROM..TO, two different versions such as 0.1.0..0.2.0 (got ${JSON.stringify(value)})`,
    );
  return { from: match[1] as string, to: match[2] as string };
}

export interface UpgradeFlags {
  upgrade: string;
  upgradeAgents: number;
  fleetSeconds?: number;
  reportDir: string;
  identities?: string;
  json?: boolean;
}

/** Ours: each agent replicates about every 10 s, so a 60 s run carries ~6 per agent. */
const SECONDS_PER_REPLICATION = 10;
const DEFAULT_FLEET_SECONDS = 75;

/** `smc rehearse --upgrade FROM..TO`: the rolling upgrade of an HA pair under the fleet. */
export async function rehearseUpgrade(flags: UpgradeFlags): Promise<number> {
  const { from, to } = parseUpgradeFlag(flags.upgrade);
  const fleetSeconds = flags.fleetSeconds ?? DEFAULT_FLEET_SECONDS;
  if (fleetSeconds < 30)
    throw new UsageError(
      '--fleet-seconds: an upgrade rehearsal needs at least 30s (two drains and restarts)',
    );
  await ensureOutputDir(flags.reportDir, '--report-dir');
  const log = (line: string) => process.stderr.write(`smc rehearse: ${line}\n`);
  const { runUpgradeRehearsal } = await import('../../rehearsal/index.js');
  const { MIGRATIONS, startEmbeddedPostgres } = await import('../../server/index.js');
  const newest = Math.max(...MIGRATIONS.map((m) => m.version));
  const folder = await mkdtemp(path.join(tmpdir(), 'smc-upgrade-db-'));
  const abort = new AbortController();
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the fleet and both nodes`);
    abort.abort();
    process.exitCode = signal === 'SIGINT' ? 130 : 143;
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  log(`rolling upgrade ${from} -> ${to}: embedded PostgreSQL shared by both nodes`);
  const database = await startEmbeddedPostgres({ dataDir: path.join(folder, 'pg') });
  try {
    const outcome = await runUpgradeRehearsal({
      from,
      to,
      databaseUrl: database.url,
      fromSchemaLevel: newest - 1,
      agents: flags.upgradeAgents,
      ratePerSecond: flags.upgradeAgents / SECONDS_PER_REPLICATION,
      fleetSeconds,
      upgradeAfterSeconds: Math.round(fleetSeconds / 5),
      drainSeconds: 15,
      log,
      ...(flags.identities ? { identitiesDir: flags.identities } : {}),
      signal: abort.signal,
    });
    const file = path.join(flags.reportDir, 'upgrade-verdict.json');
    await writeFile(file, `${JSON.stringify(outcome, null, 2)}\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    else process.stdout.write(renderUpgrade(outcome, file));
    if (abort.signal.aborted) return process.exitCode as number;
    return outcome.verdict.verdict === 'pass' ? EXIT.ok : EXIT.thresholdsFailed;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await database.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

type Outcome = Awaited<
  ReturnType<Awaited<typeof import('../../rehearsal/index.js')>['runUpgradeRehearsal']>
>;

function renderUpgrade(o: Outcome, file: string): string {
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const errors = Object.entries(o.change.errorsByOutcome)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `rolling upgrade ${o.from} -> ${o.to}: ${o.verdict.verdict.toUpperCase()}`,
    `  agents              ${o.agents}`,
    `  the change          ${o.changeSeconds} s (${o.steps.map((s) => `node ${s.node} ${s.step} @${s.atSeconds}s`).join('; ')})`,
    `  during the change   ${o.change.replications} replications: ${o.change.ok} ok, ${o.change.shed503} 503 (Retry-After), ${o.change.errors} errors${errors ? ` (${errors})` : ''}; p50 ${ms(o.change.p50Ms)}, p99 ${ms(o.change.p99Ms)}, max ${ms(o.change.maxMs)}`,
    `  whole run           ${o.run.replications} replications: ${o.run.ok} ok, ${o.run.shed503} 503, ${o.run.errors} errors; p99 ${ms(o.run.p99Ms)}`,
    `  logs                ${o.logs.generated} generated, ${o.logs.acknowledged} acknowledged, ${o.logs.pending} pending (resent next time)`,
    `  acknowledged lost   ${o.verify ? `${o.verify.lost} (of ${o.verify.acknowledged} checked against the database)` : 'not checked'}`,
    ...o.verdict.reasons.map((r) => `  reason              ${r}`),
    `  report              ${file}`,
    `  took                ${o.seconds} s`,
    '',
  ].join('\n');
}
