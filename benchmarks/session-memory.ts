/**
 * npm run bench:session-memory — the server's memory per held agent session.
 *
 * For each figure S, a fresh built `smc serve` (one process, embedded PostgreSQL) is started and
 * its VmRSS read idle; then client processes (bench:server's load process, --per-client
 * sessions each, since one process has only so many descriptors) enroll S agents, open one
 * HTTP/2 mutual-TLS session each and replicate once on it, and hold the sessions while VmRSS is
 * read again. The figure is (RSS held - RSS idle) / S; PostgreSQL's memory (Pss) is beside it
 * for information, and the RSS once the clients have gone shows what stays. The figure is an
 * upper bound: it holds the heap V8 grew while signing S enrollments and storing S first
 * replications too. One fresh server per figure, not one growing server: a session held idle
 * for 120 s is closed by the server, and adding thousands more takes longer than that. JSON goes
 * to benchmarks/results/session-memory.json. Everything listens on 127.0.0.1.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LoadProcess } from './lib/server-load-process.js';
import {
  parseSessionMemoryOptions,
  reachableSessions,
  SESSION_MEMORY_USAGE,
  type SessionMemoryOptions,
} from './lib/session-memory-options.js';
import { table } from './lib/text-table.js';
import { agentConnections, kibPerSession, round, splitSessions } from './lib/workers-figures.js';
import { busyNow, machineBlock, postgresVersionIn } from './lib/workers-machine.js';
import { postgresPssKiB, statusKiB } from './lib/workers-proc.js';
import { onInterrupt, ServeChild } from './lib/workers-serve.js';

const REQUEST_TIMEOUT_MS = 10_000;
const ENROLL_CONCURRENCY = 16;
/** ~190 enrollments/s on 2 cores: 19,000 take under two minutes; this bounds a stuck one. */
const SETUP_TIMEOUT_MS = 30 * 60_000;

interface MemoryFigure {
  readonly sessions: number;
  readonly clientProcesses: number;
  readonly idleRssKiB: number;
  readonly heldRssKiB: number;
  readonly peakRssKiB: number;
  /** Descriptors the server had open while holding (sessions + listeners + database + files). */
  readonly heldDescriptors: number;
  readonly kibPerSession: number;
  /** The server's own count of open agent connections while holding (its /metrics gauge). */
  readonly agentConnectionsOpen: number | null;
  /** Agent connections the server closed or refused by then, by reason (idle, no request...). */
  readonly agentConnectionsClosed: Record<string, number>;
  /** After every client closed its sessions and exited, and the settle wait. */
  readonly afterCloseRssKiB: number;
  readonly postgresIdlePssKiB: number;
  readonly postgresHeldPssKiB: number;
  readonly setupSeconds: number;
}

async function main(): Promise<void> {
  const machine = await machineBlock(await busyNow());
  let options: SessionMemoryOptions;
  try {
    options = parseSessionMemoryOptions(process.argv.slice(2), machine.openFilesLimit.hard);
  } catch (error) {
    console.error(`${(error as Error).message}\n${SESSION_MEMORY_USAGE}`);
    process.exitCode = 2;
    return;
  }
  const began = performance.now();
  let server: ServeChild | undefined;
  let clients: LoadProcess[] = [];
  const stopClients = async () => {
    await Promise.all(clients.map((client) => client.stop().catch(() => {})));
    clients = [];
  };
  const cleanup = async () => {
    await stopClients();
    await server?.stop().catch((error: unknown) => console.error(`stopping: ${String(error)}`));
  };
  const forget = onInterrupt(cleanup);
  const figures: MemoryFigure[] = [];
  let postgres = '?';
  try {
    for (const sessions of options.sessions) {
      console.error(`smc serve: starting on embedded PostgreSQL for ${sessions} sessions`);
      server = await ServeChild.start({ workers: 1, label: 'session-memory' });
      const running = server;
      postgres = await postgresVersionIn(path.join(running.folder, 'data'));
      const pid = running.ready.pid;
      await settle(options.settleSeconds);
      const idleRssKiB = await rssOrFail(pid, running);
      const postgresIdlePssKiB = await postgresPssKiB(running.postmasterPid);

      const shares = splitSessions(sessions, options.perClient);
      const token = await running.enrollmentToken(sessions);
      const setupStarted = performance.now();
      console.error(
        `idle RSS ${idleRssKiB} KiB; ${shares.length} client processes enrolling ${sessions} agents`,
      );
      clients = shares.map(() => new LoadProcess());
      await Promise.all(
        clients.map((client, i) =>
          client.request(
            {
              type: 'setup',
              agentUrl: running.ready.agentUrl,
              caPem: running.caPem,
              token,
              agents: shares[i] ?? 0,
              enrollConcurrency: ENROLL_CONCURRENCY,
              newLogs: 1,
              timeoutMs: REQUEST_TIMEOUT_MS,
            },
            'ready',
            SETUP_TIMEOUT_MS,
          ),
        ),
      );
      const setupSeconds = round((performance.now() - setupStarted) / 1_000, 1);
      console.error(`${sessions} sessions held after ${setupSeconds} s; settling`);
      await settle(options.settleSeconds);
      const heldRssKiB = await rssOrFail(pid, running);
      const peakRssKiB = (await statusKiB(pid, 'VmHWM')) ?? heldRssKiB;
      const heldDescriptors = (await readdir(`/proc/${pid}/fd`).catch(() => [])).length;
      const postgresHeldPssKiB = await postgresPssKiB(running.postmasterPid);
      const connections = agentConnections(await running.metrics());
      if (connections.open !== null && connections.open < sessions)
        console.error(
          `warning: the server holds ${connections.open} agent connections, not ${sessions} (closed: ${JSON.stringify(connections.closed)})`,
        );
      await stopClients();
      await settle(options.settleSeconds);
      const afterCloseRssKiB = await rssOrFail(pid, running);
      const figure: MemoryFigure = {
        sessions,
        clientProcesses: shares.length,
        idleRssKiB,
        heldRssKiB,
        peakRssKiB,
        heldDescriptors,
        kibPerSession: kibPerSession(idleRssKiB, heldRssKiB, sessions),
        agentConnectionsOpen: connections.open,
        agentConnectionsClosed: connections.closed,
        afterCloseRssKiB,
        postgresIdlePssKiB,
        postgresHeldPssKiB,
        setupSeconds,
      };
      figures.push(figure);
      console.error(
        `${sessions} sessions: RSS ${idleRssKiB} -> ${heldRssKiB} KiB, ${figure.kibPerSession} KiB per session; ${heldDescriptors} descriptors`,
      );
      await running.stop();
      server = undefined;
    }
    const report = {
      benchmark: 'session-memory',
      date: new Date().toISOString(),
      command: `npm run bench:session-memory${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: { ...machine, postgres },
      setup: {
        server:
          'the built `smc serve --no-push` (one process) as a child process, embedded PostgreSQL (fsync on)',
        sessions:
          'each an enrolled agent (its own certificate) with one HTTP/2 mutual-TLS session that replicated once (1 log), held open',
        rss: 'VmRSS of the server process from /proc/PID/status; PostgreSQL as the sum of Pss (smaps_rollup) of the postmaster and its children',
        note: 'an upper bound per session: RSS held - RSS idle also holds the heap grown while enrolling the agents and storing their first replication (afterCloseRssKiB: V8 keeps it once the sessions are gone)',
        settleSeconds: options.settleSeconds,
        perClientProcess: options.perClient,
        reachableSessionsPerServerProcess: reachableSessions(machine.openFilesLimit.hard),
      },
      figures,
      totalSeconds: Math.round((performance.now() - began) / 1_000),
    };
    await mkdir(path.dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(render(figures));
    console.log(`\nwritten: ${path.relative(process.cwd(), options.out)}`);
  } finally {
    forget();
    await cleanup();
  }
}

async function rssOrFail(pid: number, server: ServeChild): Promise<number> {
  const rss = await statusKiB(pid, 'VmRSS');
  if (rss === null) throw new Error(`smc serve (pid ${pid}) is gone:\n${await server.logTail()}`);
  return rss;
}

function settle(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
}

function render(figures: readonly MemoryFigure[]): string {
  const mib = (kib: number) => (kib / 1_024).toFixed(1);
  const rows = [
    [
      'sessions',
      'clients',
      'idle MiB',
      'held MiB',
      'peak MiB',
      'KiB/session',
      'after close MiB',
      'fds',
      'open conns',
      'pg idle MiB',
      'pg held MiB',
    ],
    ...figures.map((f) => [
      String(f.sessions),
      String(f.clientProcesses),
      mib(f.idleRssKiB),
      mib(f.heldRssKiB),
      mib(f.peakRssKiB),
      String(f.kibPerSession),
      mib(f.afterCloseRssKiB),
      String(f.heldDescriptors),
      String(f.agentConnectionsOpen ?? '-'),
      mib(f.postgresIdlePssKiB),
      mib(f.postgresHeldPssKiB),
    ]),
  ];
  return table(rows).join('\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
