/**
 * How many server nodes a deployment needs: the larger of what its replication rate and what
 * its held sessions ask for, and at least what availability asks for. Each agent keeps one
 * persistent TLS session to a node, so past ~50,000 clients memory, not CPU, decides.
 */

/**
 * measured: server CPU per replication, `npm run bench:server` on our 2-core machine (commit
 * db4dd93, 1,000 agents over mTLS HTTP/2, 5 logs per replication). Pass a rehearsal's own
 * figure (`smc rehearse` prints it) to size from your machines.
 */
export const MEASURED_SERVER_US_PER_REPLICATION = 218;
/**
 * measured: server RSS per held agent session, `smc rehearse --clients 20000` on our 2-core
 * machine (RSS after the warm-up minus before, over the sessions held: 74 KiB).
 */
export const MEASURED_SERVER_KIB_PER_SESSION = 74;
/** ours: a node runs at most this busy at the rate it must carry (room for GC, TLS, spikes). */
export const NODE_CPU_UTILISATION = 0.7;
/**
 * ours: the share of a node's RAM its sessions may hold in normal running; the rest is the OS,
 * Node's heap for requests in flight and group commit, and the reserve that takes a lost peer's
 * sessions (with HA a pair's survivor holds both halves within its RAM; of N nodes each takes
 * 1/(N-1) more), so the plan needs no spare node on top.
 */
export const NODE_SESSION_MEMORY_SHARE = 0.5;
/** ours: a node carries twice the plan's rate, the headroom a rehearsal asks for. */
export const NODE_RATE_HEADROOM = 2;
/**
 * `smc serve` is one Node process: its event loop (JSON, TLS, group commit) is one core
 * however many the machine has, so a node's rate is one core's.
 */
export const SERVER_PROCESS_CORES = 1;

export interface ServerNodeInput {
  readonly clients: number;
  readonly requiredRatePerSecond: number;
  readonly nodeMemoryGiB: number;
  readonly highAvailability: boolean;
  readonly serverUsPerReplication: number;
  readonly serverKiBPerSession: number;
}

export interface ServerNodePlan {
  /** Nodes to run (what `placement.serverCount` says). */
  readonly count: number;
  /** Which need set the count; `availability`: the HA pair's minimum of 2. */
  readonly decidedBy: 'rate' | 'sessions' | 'availability';
  /** Nodes the rate needs (with headroom). */
  readonly byRate: number;
  /** Nodes the sessions need. */
  readonly bySessions: number;
  /** Nodes availability needs: 2 with HA, else 1. */
  readonly byAvailability: number;
  readonly ratePerNodePerSecond: number;
  readonly sessionsPerNode: number;
  readonly serverUsPerReplication: number;
  readonly serverKiBPerSession: number;
  readonly model: string;
}

export function planServerNodes(input: ServerNodeInput): ServerNodePlan {
  const ratePerNodePerSecond = Math.floor(
    (SERVER_PROCESS_CORES * NODE_CPU_UTILISATION * 1_000_000) / input.serverUsPerReplication,
  );
  const sessionsPerNode = Math.floor(
    (input.nodeMemoryGiB * NODE_SESSION_MEMORY_SHARE * 2 ** 30) /
      (input.serverKiBPerSession * 1024),
  );
  const byRate = Math.max(
    1,
    Math.ceil((input.requiredRatePerSecond * NODE_RATE_HEADROOM) / ratePerNodePerSecond),
  );
  const bySessions = Math.max(1, Math.ceil(input.clients / sessionsPerNode));
  const byAvailability = input.highAvailability ? 2 : 1;
  const count = Math.max(byRate, bySessions, byAvailability);
  const decidedBy =
    count > Math.max(byRate, bySessions)
      ? 'availability'
      : bySessions > byRate
        ? 'sessions'
        : 'rate';
  return {
    count,
    decidedBy,
    byRate,
    bySessions,
    byAvailability,
    ratePerNodePerSecond,
    sessionsPerNode,
    serverUsPerReplication: input.serverUsPerReplication,
    serverKiBPerSession: input.serverKiBPerSession,
    model: `nodes = max(rate x ${NODE_RATE_HEADROOM} / (${SERVER_PROCESS_CORES} core x ${NODE_CPU_UTILISATION * 100} % / ${input.serverUsPerReplication} us per replication), clients / (${NODE_SESSION_MEMORY_SHARE * 100} % of ${input.nodeMemoryGiB} GiB / ${input.serverKiBPerSession} KiB per session)${input.highAvailability ? ', 2 for HA' : ''})`,
  };
}
