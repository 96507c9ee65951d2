import path from 'node:path';
import { parseArgs } from 'node:util';
import { integer, integerList } from './workers-figures.js';

export interface WorkersBenchOptions {
  /** `smc serve --workers N`, one server per N, in this order. */
  readonly workers: readonly number[];
  readonly agents: number;
  /** Rising in-flight replications; the search stops at the first step over the p99 limit. */
  readonly concurrencies: readonly number[];
  readonly warmupSeconds: number;
  readonly stepSeconds: number;
  readonly newLogs: number;
  readonly p99LimitMs: number;
  readonly out: string;
}

export const WORKERS_USAGE = `usage: npm run bench:workers -- [options]
  Starts the built \`smc serve --workers N\` (dist/bin/smc.js) on embedded PostgreSQL for each N,
  drives it from bench:server's load process (closed model, one HTTP/2 mTLS session per agent)
  and reports per N the replications/s held at p99 <= --p99-ms, server CPU per replication
  (primary + all workers) and PostgreSQL CPU per replication; the headline is rate(N)/rate(1).
  --workers 1,2                agent-plane processes, one server each (default 1,2)
  --agents N                   enrolled agent identities, one HTTP/2 session each (default 400)
  --concurrency 50,100,...     rising in-flight replications; stops at the first step whose
                               p99 is over the limit (default 50,100,200,400)
  --warmup-seconds S           per step, not measured (default 2)
  --step-seconds S             measured window per step (default 10)
  --logs N                     new logs per replication (default 5)
  --p99-ms MS                  p99 limit of a held step (default 100)
  --out FILE                   JSON results (default benchmarks/results/workers.json)`;

/** Parses and checks the flags; every error names the flag. */
export function parseWorkersBenchOptions(argv: readonly string[]): WorkersBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      workers: { type: 'string', default: '1,2' },
      agents: { type: 'string', default: '400' },
      concurrency: { type: 'string', default: '50,100,200,400' },
      'warmup-seconds': { type: 'string', default: '2' },
      'step-seconds': { type: 'string', default: '10' },
      logs: { type: 'string', default: '5' },
      'p99-ms': { type: 'string', default: '100' },
      out: { type: 'string', default: 'benchmarks/results/workers.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(WORKERS_USAGE);
    process.exit(0);
  }
  const agents = integer('--agents', values.agents, 1, 20_000);
  const concurrencies = integerList('--concurrency', values.concurrency, 1, agents);
  for (let i = 1; i < concurrencies.length; i++) {
    if ((concurrencies[i] ?? 0) <= (concurrencies[i - 1] ?? 0))
      throw new Error(`--concurrency must rise step by step, got '${values.concurrency}'`);
  }
  return {
    workers: integerList('--workers', values.workers, 1, 64),
    agents,
    concurrencies,
    warmupSeconds: integer('--warmup-seconds', values['warmup-seconds'], 0, 60),
    stepSeconds: integer('--step-seconds', values['step-seconds'], 1, 120),
    newLogs: integer('--logs', values.logs, 0, 100),
    p99LimitMs: integer('--p99-ms', values['p99-ms'], 1, 60_000),
    out: path.resolve(values.out),
  };
}
