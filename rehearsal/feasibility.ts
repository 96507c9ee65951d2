import type { MachineRecord } from './machine.js';

/**
 * Memory one held session costs, measured on our machines (Node 20, OpenSSL 3, mutual TLS +
 * HTTP/2, 3,000 sessions): the generator's side ~100 KiB (TLS context, socket, HTTP/2 session),
 * the server's ~70 KiB. With a margin: ours.
 */
export const GENERATOR_BYTES_PER_SESSION = 120 * 1_024;
export const SERVER_BYTES_PER_SESSION = 80 * 1_024;
/** ours: room for the database, the server's heap and the operating system. */
const MEMORY_SHARE_FOR_SESSIONS = 0.8;

/** A rehearsal this machine cannot play; a usage error (exit 2) naming the flag. */
export class RehearsalSetupError extends RangeError {
  override readonly name = 'RehearsalSetupError';
}

/**
 * Says up front when the machine cannot hold the fleet's sessions (generator and server on
 * one box), rather than swapping or dying half-way, and what to do instead.
 */
export function checkFeasible(clients: number, machine: MachineRecord): void {
  const needed = clients * (GENERATOR_BYTES_PER_SESSION + SERVER_BYTES_PER_SESSION);
  const available =
    (machine.availableMemoryBytes ?? machine.memoryBytes) * MEMORY_SHARE_FOR_SESSIONS;
  if (needed <= available) return;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  throw new RehearsalSetupError(
    `--clients: ${clients.toLocaleString('en-US')} persistent sessions need about ${gib(needed)} on this machine (generator and server together); it has ${gib(available)} to spare. Run the server here (smc serve) and the fleet from several machines: smc simulate --shard i/n on each, then smc report merge.`,
  );
}

/** ours: what a server process holds open besides sessions (listeners, database, files). */
export const FILES_BESIDES_SESSIONS = 128;

/**
 * ours: a fleet up to this much past what one server process may hold is still rehearsed (its
 * capacity, storm and logs are worth having; the verdict is INCONCLUSIVE at best); further past
 * it, most agents would only retry for sessions the machine cannot give, for an hour.
 */
export const SESSION_SHORTFALL_PLAYED = 0.1;

/** ours: at most this many server workers per core are started to hold a fleet's sessions. */
export const MAX_SERVER_WORKERS_PER_CORE = 2;

/** Sessions one server process here may hold (null: no limit known). */
export function sessionsPerServerProcess(openFilesLimit: number | null): number | null {
  return openFilesLimit === null ? null : Math.max(0, openFilesLimit - FILES_BESIDES_SESSIONS);
}

/**
 * The server workers (`smc serve --workers`) that hold the fleet's sessions within the
 * open-files limit of each process: one while they fit one, else as many as they need, up to
 * MAX_SERVER_WORKERS_PER_CORE per core (checkSessionsFit refuses past that).
 */
export function serverWorkersFor(
  clients: number,
  openFilesLimit: number | null,
  cores: number,
): number {
  const fit = sessionsPerServerProcess(openFilesLimit);
  // Past what one process holds, a second one: a 20,000-client rehearsal under a 20,000 limit
  // otherwise kept 19,967 sessions and was at best INCONCLUSIVE.
  if (fit === null || clients <= fit) return 1;
  const most = Math.max(1, cores * MAX_SERVER_WORKERS_PER_CORE);
  return Math.min(most, Math.ceil(clients / Math.max(1, fit)));
}

/**
 * Says up front when the server processes here cannot hold the fleet's sessions (every session
 * is an open file; each process inherits this one's limit), and what to do instead.
 */
export function checkSessionsFit(
  clients: number,
  openFilesLimit: number | null,
  workers = 1,
): void {
  const fit = sessionsPerServerProcess(openFilesLimit);
  if (fit === null || openFilesLimit === null) return;
  const held = fit * workers;
  if (clients <= held * (1 + SESSION_SHORTFALL_PLAYED)) return;
  const processes =
    workers === 1 ? 'one server process' : `${workers} server processes (--server-workers)`;
  throw new RehearsalSetupError(
    `--clients: ${clients.toLocaleString('en-US')} persistent sessions do not fit ${processes} here: each may hold ${openFilesLimit.toLocaleString('en-US')} open files (ulimit -n), so at most ${held.toLocaleString('en-US')} sessions. Rehearse up to ${held.toLocaleString('en-US')} clients here, give more --server-workers, raise the limit (ulimit -n, or LimitNOFILE in a systemd unit), or run smc serve where it is higher and play the fleet with smc simulate --shard i/n from several machines.`,
  );
}
