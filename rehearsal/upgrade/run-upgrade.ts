import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReadyFile } from '../../protocol/index.js';
import { DEFAULT_OS_MIX } from '../../simulator/profile/os-mix.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import type { SimulationOptions } from '../../simulator/run/simulation-options.js';
import { validateSimulationOptions } from '../../simulator/run/validate-options.js';
import { type SmcChild, startSmcChild } from '../children/smc-child.js';
import { RehearsalSetupError } from '../feasibility.js';
import { LoopbackBalancer } from './balancer.js';
import { ChangeWindowRecorder, type WindowFigures } from './change-window.js';
import { judgeUpgrade, type UpgradeVerdict } from './upgrade-verdict.js';

export interface UpgradeRehearsalOptions {
  readonly from: string;
  readonly to: string;
  /** Any PostgreSQL both nodes share (the CLI starts an embedded one). */
  readonly databaseUrl: string;
  /** The schema level the FROM release knows (one below the newest: TO brings the migration). */
  readonly fromSchemaLevel: number;
  readonly agents: number;
  /** Replications per second the fleet offers (open model). */
  readonly ratePerSecond: number;
  readonly fleetSeconds: number;
  /** Seconds into the run the rolling upgrade starts. */
  readonly upgradeAfterSeconds: number;
  /** `smc serve --drain` of each node. */
  readonly drainSeconds: number;
  readonly log: (line: string) => void;
  readonly seed?: number;
  readonly identitiesDir?: string;
  readonly signal?: AbortSignal;
}

export interface UpgradeRehearsalOutcome {
  readonly from: string;
  readonly to: string;
  readonly agents: number;
  readonly steps: readonly { node: number; step: string; atSeconds: number }[];
  readonly changeSeconds: number;
  readonly run: WindowFigures;
  readonly change: WindowFigures;
  readonly logs: { generated: number; acknowledged: number; pending: number };
  /** Acknowledged logs the database does not hold (the console's audit, which reads it). */
  readonly verify: { agents: number; acknowledged: number; stored: number; lost: number } | null;
  readonly balancerRefusedConnections: number;
  readonly verdict: UpgradeVerdict;
  readonly seconds: number;
}

const NODES = 2;

/**
 * The rolling upgrade, rehearsed: two `smc serve` processes on one database (the FROM release,
 * which knows one migration less) behind a loopback balancer, a simulated fleet replicating
 * through it, and mid-run, one node after the other: drain (SIGTERM with --drain: 503 +
 * Retry-After, in-flight answered, /readyz draining, the balancer moves agents), stop, start as
 * TO (which applies the expand migration while the other node still runs FROM), back in
 * rotation. Then every acknowledged log is checked against the database.
 */
export async function runUpgradeRehearsal(
  options: UpgradeRehearsalOptions,
): Promise<UpgradeRehearsalOutcome> {
  const started = performance.now();
  const { log } = options;
  const pkiCopy = await mkdtemp(path.join(tmpdir(), 'smc-upgrade-pki-'));
  const nodes: (SmcChild<ReadyFile> | null)[] = [null, null];
  let agentLb: LoopbackBalancer | null = null;
  let consoleLb: LoopbackBalancer | null = null;
  const steps: { node: number; step: string; atSeconds: number }[] = [];
  const at = () => Math.round((performance.now() - started) / 100) / 10;
  const startNode = async (index: number, release: 'from' | 'to') => {
    const child = await startSmcChild<ReadyFile>({
      command: 'serve',
      folderPrefix: `smc-upgrade-node${index + 1}-`,
      timeoutMs: 120_000,
      beforeStart:
        index === 0 && release === 'from'
          ? undefined
          : ({ dataDir }) => cp(pkiCopy, path.join(dataDir, 'server', 'pki'), { recursive: true }),
      args: ({ dataDir }) => [
        '--data-dir',
        path.join(dataDir, 'server'),
        '--database-url',
        options.databaseUrl,
        '--agent-port',
        '0',
        '--console-port',
        '0',
        '--no-push',
        '--interval',
        '60s',
        '--drain',
        `${options.drainSeconds}s`,
        '--announce-version',
        release === 'from' ? options.from : options.to,
        ...(release === 'from' ? ['--schema-level', String(options.fromSchemaLevel)] : []),
      ],
    });
    nodes[index] = child;
    if (index === 0 && release === 'from')
      await cp(path.join(child.dataDir, 'server', 'pki'), pkiCopy, { recursive: true });
    return child;
  };

  try {
    // The first node makes the PKI (and migrates the database to FROM); the second shares both.
    const first = await startNode(0, 'from');
    await startNode(1, 'from');
    log(`two ${options.from} nodes up on one database (schema level ${options.fromSchemaLevel})`);
    agentLb = await LoopbackBalancer.start({ nodes: NODES, caPem: first.caPem });
    consoleLb = await LoopbackBalancer.start({ nodes: NODES, caPem: first.caPem });
    const route = (index: number) => {
      const node = nodes[index] as SmcChild<ReadyFile>;
      agentLb?.setBackend(index, Number(new URL(node.ready.agentUrl).port));
      consoleLb?.setBackend(index, Number(new URL(node.ready.consoleUrl).port));
    };
    for (let i = 0; i < NODES; i++) route(i);
    for (let i = 0; i < NODES; i++) {
      await agentLb.healthy(i);
      await consoleLb.healthy(i);
    }
    const agentUrl = `https://127.0.0.1:${agentLb.port}`;
    const consoleUrl = `https://127.0.0.1:${consoleLb.port}`;
    log(
      `balancer ${agentUrl} (console ${consoleUrl}); ${options.agents} agents at ${options.ratePerSecond}/s for ${options.fleetSeconds} s`,
    );

    const recorder = new ChangeWindowRecorder();
    const abort = new AbortController();
    options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    let fleetStarted!: () => void;
    const fleetRunning = new Promise<void>((resolve) => {
      fleetStarted = resolve;
    });
    const simulation = runSimulation(
      validated({
        target: { url: agentUrl, host: '127.0.0.1', port: agentLb.port, caPem: first.caPem },
        console: { url: consoleUrl, adminToken: first.adminToken, caPem: first.caPem },
        agents: options.agents,
        shard: { index: 1, count: 1 },
        mode: { kind: 'rate', ratePerSecond: options.ratePerSecond },
        durationSeconds: options.fleetSeconds,
        timeScale: 1,
        seed: options.seed ?? 1,
        ...(options.identitiesDir ? { identitiesDir: options.identitiesDir } : {}),
        connection: 'persistent',
        timeoutMs: 15_000,
        lateThresholdMs: 5_000,
        behaviour: {
          seed: options.seed ?? 1,
          osMix: DEFAULT_OS_MIX,
          logsPerReplication: 3,
          inventoryChangeRate: 0.02,
          taskResultRate: 0.5,
        },
        verify: true,
        signal: abort.signal,
        onProgress: (line) => {
          if (!line.startsWith('identities:')) return;
          log(line);
          fleetStarted();
        },
      }),
      recorder,
    );
    // The upgrade starts a while into the measured run (enrollment comes first and is not measured).
    const upgrade = (async () => {
      await fleetRunning;
      await new Promise((r) => setTimeout(r, options.upgradeAfterSeconds * 1_000));
      if (abort.signal.aborted) return 0;
      const changeStarted = performance.now();
      recorder.open();
      for (let i = 0; i < NODES; i++) {
        const node = nodes[i] as SmcChild<ReadyFile>;
        steps.push({ node: i + 1, step: 'drain', atSeconds: at() });
        log(`node ${i + 1}: draining (SIGTERM, --drain ${options.drainSeconds}s)`);
        await node.stop();
        nodes[i] = null;
        agentLb?.setBackend(i, null);
        consoleLb?.setBackend(i, null);
        steps.push({ node: i + 1, step: 'stopped', atSeconds: at() });
        await startNode(i, 'to');
        route(i);
        await agentLb?.healthy(i);
        await consoleLb?.healthy(i);
        steps.push({ node: i + 1, step: `back as ${options.to}`, atSeconds: at() });
        log(`node ${i + 1}: back in rotation as ${options.to}`);
      }
      recorder.close();
      return (performance.now() - changeStarted) / 1_000;
    })();
    const [outcome, changeSeconds] = await Promise.all([
      simulation,
      upgrade.catch((error) => {
        abort.abort();
        throw error;
      }),
    ]);
    const figures = recorder.figures();
    const verify = outcome.verify
      ? {
          agents: outcome.verify.agents,
          acknowledged: outcome.verify.acknowledged,
          stored: outcome.verify.stored,
          lost: outcome.verify.lost,
        }
      : null;
    const upgraded = steps.filter((s) => s.step.startsWith('back as')).length;
    return {
      from: options.from,
      to: options.to,
      agents: options.agents,
      steps,
      changeSeconds: Math.round(changeSeconds * 10) / 10,
      run: figures.run,
      change: figures.change,
      logs: outcome.logs,
      verify,
      balancerRefusedConnections: agentLb.refusedConnections,
      verdict: judgeUpgrade({
        nodes: NODES,
        upgraded,
        change: figures.change,
        run: figures.run,
        verify,
        logs: outcome.logs,
        interrupted: outcome.interruptedBy !== undefined,
      }),
      seconds: Math.round((performance.now() - started) / 1_000),
    };
  } finally {
    await Promise.all(nodes.map((node) => node?.stop()));
    await agentLb?.close();
    await consoleLb?.close();
    await rm(pkiCopy, { recursive: true, force: true });
  }
}

/** The fleet's options as the simulator's model checks them: every problem at once. */
function validated(options: SimulationOptions): SimulationOptions {
  const problems = validateSimulationOptions(options);
  if (problems.length > 0)
    throw new RehearsalSetupError(
      `the upgrade fleet: ${problems.map((p) => `${p.field}: ${p.rule}`).join('; ')}`,
    );
  return options;
}
