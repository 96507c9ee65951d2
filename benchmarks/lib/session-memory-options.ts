import path from 'node:path';
import { parseArgs } from 'node:util';
import { integer, integerList } from './workers-figures.js';

export interface SessionMemoryOptions {
  /** Held agent sessions, one fresh server per figure. */
  readonly sessions: readonly number[];
  /** Sessions per client process (each client process has its own descriptor limit). */
  readonly perClient: number;
  readonly settleSeconds: number;
  readonly out: string;
}

/**
 * Ours: the agent listener refuses connections past 20,000 (server/http/connection-hygiene.ts,
 * DEFAULT_CONNECTION_LIMITS.maxConnections), and one process has RLIMIT_NOFILE descriptors
 * (20,000 hard here): a few hundred stay for PostgreSQL, the console and the files.
 */
export const LISTENER_CAP = 20_000;
const DESCRIPTOR_RESERVE = 1_000;

export const SESSION_MEMORY_USAGE = `usage: npm run bench:session-memory -- [options]
  Starts the built \`smc serve\` (one process) on embedded PostgreSQL for each figure, reads its
  RSS idle, then with S agents enrolled (each its own certificate) holding an HTTP/2 mTLS
  session that replicated once, from client processes of --per-client sessions each; reports
  (RSS held - RSS idle) / S in KiB per session, and PostgreSQL's memory (Pss) beside it.
  One server process holds at most min(${LISTENER_CAP.toLocaleString('en-US')} (its listener's cap), RLIMIT_NOFILE hard - ${DESCRIPTOR_RESERVE.toLocaleString('en-US')}) sessions:
  larger figures are refused, not extrapolated.
  --sessions 10000,19000       held sessions, one fresh server each (default 10000,19000)
  --per-client N               sessions per client process (default 10000)
  --settle-seconds S           wait before each RSS reading, at most 60: the server closes
                               a session idle for 120 s (default 5)
  --out FILE                   JSON results (default benchmarks/results/session-memory.json)`;

/** Parses and checks the flags against what one server process can hold on this box. */
export function parseSessionMemoryOptions(
  argv: readonly string[],
  hardOpenFiles: number | null,
): SessionMemoryOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      sessions: { type: 'string', default: '10000,19000' },
      'per-client': { type: 'string', default: '10000' },
      'settle-seconds': { type: 'string', default: '5' },
      out: { type: 'string', default: 'benchmarks/results/session-memory.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(SESSION_MEMORY_USAGE);
    process.exit(0);
  }
  const reachable = reachableSessions(hardOpenFiles);
  const sessions = integerList('--sessions', values.sessions, 1, 1_000_000);
  for (const count of sessions) {
    if (count > reachable)
      throw new Error(
        `--sessions ${count}: one smc serve process holds at most ${reachable} sessions here (its listener's cap ${LISTENER_CAP}, RLIMIT_NOFILE hard ${hardOpenFiles ?? 'unlimited'}); measure at most ${reachable}`,
      );
  }
  return {
    sessions,
    perClient: integer('--per-client', values['per-client'], 1, reachable),
    // At most 60: the server closes a session idle for 120 s (DEFAULT_CONNECTION_LIMITS).
    settleSeconds: integer('--settle-seconds', values['settle-seconds'], 0, 60),
    out: path.resolve(values.out),
  };
}

/** The most sessions one server process can hold: the listener's cap or the descriptors. */
export function reachableSessions(hardOpenFiles: number | null): number {
  const byDescriptors =
    hardOpenFiles === null ? Number.POSITIVE_INFINITY : hardOpenFiles - DESCRIPTOR_RESERVE;
  return Math.max(0, Math.min(LISTENER_CAP - DESCRIPTOR_RESERVE, byDescriptors));
}
