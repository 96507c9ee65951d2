import type { TaskResult } from '../../protocol/index.js';
import type { ReplicationOutcome } from '../metrics/contract.js';
import type { OsRelease } from '../profile/machine.js';
import type { ContentLedger } from './content-ledger.js';

/**
 * One virtual agent: only what must survive between replications. Everything human-looking
 * (hostname, hardware, software, log bodies) is derived on demand from (seed, index), so a
 * record stays a few hundred bytes and 100,000 of them fit in one process.
 */
export class VirtualAgent {
  /** Position in the fleet; seeds every derivation and picks the identity. */
  readonly index: number;
  /** Server-assigned UUID (the certificate's CN). */
  readonly agentId: string;
  /** Index into the identity store for the key and certificate. */
  readonly identityRef: number;
  /** sha256 of the seeded hardware, computed on first use. */
  fingerprint: string | null = null;
  /**
   * Hostname and OS, derived on first use and kept: every request carries them, and
   * re-deriving costs ~17 us of faker per replication. The OS object is shared, not copied.
   */
  hostname: string | null = null;
  os: OsRelease | null = null;

  /** Next log seq to assign; logs 1..nextSeq-1 exist. */
  nextSeq = 1;
  /** Highest seq the server acknowledged (1..ackedThrough are stored). */
  ackedThrough = 0;
  /** Highest seq ever put on the wire, to count resends. */
  highestSent = 0;
  /** Seqs skipped by resyncs (numbering moved past the server's position): not logs of ours. */
  seqShift = 0;
  /**
   * Unacknowledged logs as batches: pairs [firstSeq, gatheredAtEpochMs]. A batch runs to the
   * next batch's firstSeq (or nextSeq); bodies are regenerated from the seq when sent.
   */
  outbox: number[] = [];

  policyVersion = 0;
  /** Inventory changes so far; the server has acknowledged `inventoryAckedGeneration`. */
  inventoryGeneration = 0;
  inventoryAckedGeneration = -1;
  /** Hash of the current generation's inventory, computed when it changes. */
  inventoryHash: string | null = null;

  /** Task ids received and not finished yet. */
  runningTasks: string[] | null = null;
  /** The agent version reported; null: the simulator's own (AGENT_VERSION) until an upgrade. */
  version: string | null = null;
  /** An `upgrade-agent` task taken and not finished yet: the version it moves to. */
  upgradeTo: { readonly taskId: string; readonly version: string } | null = null;
  /** Finished tasks whose results the server has not acknowledged yet. */
  taskResults: TaskResult[] | null = null;

  /** Content of what the server acknowledged, kept only when the run verifies (`--verify`). */
  ledger: ContentLedger | null = null;

  /** Replications attempted: the counter behind this agent's random draws. */
  replications = 0;
  /** When the timetable says the next replication starts (ms, clock base). */
  nextDueMs = 0;
  /** Position in a rate workload's global arrival sequence (unused by the fleet model). */
  arrival = 0;
  /** Earliest start allowed by the server's last Retry-After (ms, clock base). */
  notBeforeMs = 0;
  /** The pace the server last asked for (ms, schedule time; 0 = not told yet). */
  serverIntervalMs = 0;
  serverJitterMs = 0;
  inFlight = false;
  /** A wake-up came while a replication was in flight: replicate again when it ends. */
  wakePending = false;
  /** How the last replication ended (null: none yet). */
  lastOutcome: ReplicationOutcome | null = null;
  /** When the last successful replication was answered (ms, clock base; 0: never). */
  lastOkAtMs = 0;

  constructor(index: number, agentId: string, identityRef: number) {
    this.index = index;
    this.agentId = agentId;
    this.identityRef = identityRef;
  }
}
