import path from 'node:path';
import { parseArgs } from 'node:util';

export interface ServerBenchOptions {
  readonly agents: number;
  readonly concurrencies: readonly number[];
  readonly warmupSeconds: number;
  readonly stepSeconds: number;
  readonly newLogs: number;
  readonly autocannonConnections: number;
  /** 0 skips autocannon. */
  readonly autocannonSeconds: number;
  readonly p99LimitMs: number;
  readonly targetPerSecond: number;
  readonly out: string;
  /** Wait up to this long for a mostly idle machine before starting (0: do not wait). */
  readonly waitIdleSeconds: number;
  /** Folder of the bare ceiling probes, run before and after ours; null: none. */
  readonly probesDir: string | null;
  /** Seconds of `smc simulate --rate` against the server; 0 skips it. */
  readonly simulatorSeconds: number;
  /** Rate the simulator plays; 0: our sustained rate from the steps. */
  readonly simulatorRate: number;
}

export const USAGE = `usage: npm run bench:server -- [options]
  --agents N                   enrolled agent identities, one HTTP/2 session each (default 1000)
  --concurrency 50,100,...     in-flight replications per step (default 20,50,100,200,400,800)
  --warmup-seconds S           per step, not measured (default 2)
  --step-seconds S             measured window per step (default 10)
  --logs N                     new logs per replication (default 5)
  --autocannon-connections N   HTTP/1.1 connections, one agent each (default 100)
  --autocannon-seconds S       per endpoint; 0 skips autocannon (default 10)
  --out FILE                   JSON results (default benchmarks/results/server.json)
  --wait-idle S                wait up to S seconds for an idle machine first (default 0)
  --probes DIR|none            bare probes run before and after ours, ratios in the headline
                               (default ../shared/probes)
  --simulator-seconds S        smc simulate --rate against the server; 0 skips (default 10)
  --simulator-rate R           replications/s it plays; 0: our sustained rate (default 0)`;

/** Parses and checks the flags; every error names the flag. */
export function parseServerBenchOptions(argv: readonly string[]): ServerBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      agents: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '20,50,100,200,400,800' },
      'warmup-seconds': { type: 'string', default: '2' },
      'step-seconds': { type: 'string', default: '10' },
      logs: { type: 'string', default: '5' },
      'autocannon-connections': { type: 'string', default: '100' },
      'autocannon-seconds': { type: 'string', default: '10' },
      out: { type: 'string', default: 'benchmarks/results/server.json' },
      'wait-idle': { type: 'string', default: '0' },
      probes: { type: 'string', default: '../shared/probes' },
      'simulator-seconds': { type: 'string', default: '10' },
      'simulator-rate': { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const agents = integer('--agents', values.agents, 1, 20_000);
  const concurrencies = values.concurrency
    .split(',')
    .map((part) => integer('--concurrency', part.trim(), 1, agents));
  return {
    agents,
    concurrencies,
    warmupSeconds: integer('--warmup-seconds', values['warmup-seconds'], 0, 60),
    stepSeconds: integer('--step-seconds', values['step-seconds'], 1, 120),
    newLogs: integer('--logs', values.logs, 0, 100),
    autocannonConnections: integer(
      '--autocannon-connections',
      values['autocannon-connections'],
      1,
      agents,
    ),
    autocannonSeconds: integer('--autocannon-seconds', values['autocannon-seconds'], 0, 120),
    p99LimitMs: 100,
    targetPerSecond: 5_000,
    out: path.resolve(values.out),
    waitIdleSeconds: integer('--wait-idle', values['wait-idle'], 0, 3_600),
    probesDir: values.probes === 'none' ? null : path.resolve(values.probes),
    simulatorSeconds: integer('--simulator-seconds', values['simulator-seconds'], 0, 600),
    simulatorRate: integer('--simulator-rate', values['simulator-rate'], 0, 100_000),
  };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}
