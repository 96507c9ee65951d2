import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type AgentTask, MAX_TASKS_PER_RESPONSE } from '../../protocol/index.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';
import { logRowsText } from './log-rows.js';
import type { QueuedReplication, StoredReplication } from './types.js';

const MAX_TASKS = MAX_TASKS_PER_RESPONSE;

/**
 * Runs one statement of the batch under its name: a failure says which step failed (its
 * prepared-statement name), so a refused batch is diagnosable from one log line.
 */
async function step<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  query: pg.QueryConfig & { name: string },
): Promise<pg.QueryResult<R>> {
  try {
    return await client.query<R>(query);
  } catch (error) {
    if (error && typeof error === 'object') Object.assign(error, { step: query.name });
    throw error;
  }
}

/**
 * Stores one batch of replications in one transaction with a handful of set-based statements,
 * whatever the batch size. Rows are sorted by agent id in every statement so concurrent
 * batches lock rows in the same order and cannot deadlock. The caller guarantees at most one
 * replication per agent in a batch.
 */
export async function flushBatch(
  client: pg.PoolClient,
  batch: readonly QueuedReplication[],
  options: {
    agentsWithTasks: ReadonlySet<string>;
    redeliverAfterSeconds: number;
    /** Agent id -> identity key last committed by this process (see identityKey). */
    identityCache: Map<string, string>;
  },
): Promise<Map<string, StoredReplication>> {
  const items = [...batch].sort((a, b) =>
    a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0,
  );
  const ids = items.map((r) => r.agentId);
  // Steady state: an agent whose identity and status are what this process last stored,
  // with no full inventory, needs neither the clone check nor the computers upsert.
  const keys = new Map(items.map((r) => [r.agentId, identityKey(r)]));
  const changed = items.filter((r) => {
    const key = keys.get(r.agentId);
    return key === '' || options.identityCache.get(r.agentId) !== key;
  });
  const changedIds = changed.map((r) => r.agentId);
  const hinted = ids.filter((id) => options.agentsWithTasks.has(id));
  const logs = logsOf(items);

  // The common batch (steady agents, no task results, no task hints): its logs and acks are
  // one statement in its own implicit transaction, one round trip; its answer is read after
  // that statement committed, so every ack is durable as before.
  if (changed.length === 0 && hinted.length === 0 && !items.some(hasTaskResults)) {
    const outcome = await storeLogs(client, ids, logs);
    return answersOf(ids, outcome, new Map(), new Map());
  }

  await client.query('BEGIN');
  try {
    const known =
      changed.length === 0
        ? { rows: [] }
        : await step<{
            agent_id: string;
            fingerprint: string;
            known_fingerprints: string[];
            clone_policy: string | null;
            inventory_hash: string | null;
          }>(client, {
            name: 'smc-known-computers',
            text: `SELECT agent_id, fingerprint, known_fingerprints, clone_policy, inventory_hash
             FROM computers WHERE agent_id = ANY($1::uuid[])`,
            values: [changedIds],
          });
    const existing = new Map(known.rows.map((r) => [r.agent_id, r]));

    const clones: {
      agentId: string;
      known: string;
      fresh: string;
      hostname: string;
      resolution: string | null;
    }[] = [];
    const inventories: { agent_id: string; hash: string; hardware: unknown; software: unknown }[] =
      [];
    for (const { agentId, body } of changed) {
      const row = existing.get(agentId);
      const fingerprint = body.agent.fingerprint;
      // clone_policy 'match' is the guide's "always match the existing computer" (VDI).
      if (
        row &&
        row.clone_policy !== 'match' &&
        row.fingerprint !== fingerprint &&
        !row.known_fingerprints.includes(fingerprint)
      ) {
        clones.push({
          agentId,
          known: row.fingerprint,
          fresh: fingerprint,
          hostname: body.agent.hostname,
          // "Always create a new computer" answers every later clone of this agent at once.
          resolution: row.clone_policy === 'create-new' ? 'create-new' : null,
        });
      }
      const inv = body.inventory;
      if (
        inv &&
        (inv.hardware !== undefined || inv.software !== undefined) &&
        inv.hash !== row?.inventory_hash
      ) {
        inventories.push({
          agent_id: agentId,
          hash: inv.hash,
          hardware: inv.hardware ?? null,
          software: inv.software ?? null,
        });
      }
    }

    // Identity and status: written only when something changed, so steady replications
    // leave `computers` (and its console indexes) alone.
    if (changed.length > 0)
      await step(client, {
        name: 'smc-upsert-computers',
        text: `INSERT INTO computers AS c (agent_id, hostname, os_family, os_name, os_version, agent_version,
               fingerprint, protection, modules_version, last_update, uptime_seconds, policy_version, inventory_hash)
             SELECT agent_id, hostname, os_family, os_name, os_version, agent_version, fingerprint, protection,
                    modules_version, last_update, 0, policy_version, inventory_hash
             FROM json_to_recordset($1::json) AS x(agent_id uuid, hostname text, os_family text, os_name text,
               os_version text, agent_version text, fingerprint text, protection text, modules_version text,
               last_update timestamptz, policy_version integer, inventory_hash text)
             ON CONFLICT (agent_id) DO UPDATE SET
               hostname = EXCLUDED.hostname, os_family = EXCLUDED.os_family, os_name = EXCLUDED.os_name,
               os_version = EXCLUDED.os_version, agent_version = EXCLUDED.agent_version,
               protection = EXCLUDED.protection, modules_version = EXCLUDED.modules_version,
               last_update = EXCLUDED.last_update, policy_version = EXCLUDED.policy_version,
               inventory_hash = COALESCE(EXCLUDED.inventory_hash, c.inventory_hash)
             WHERE (c.hostname, c.os_family, c.os_name, c.os_version, c.agent_version, c.protection,
                    c.modules_version, c.last_update, c.policy_version, c.inventory_hash)
               IS DISTINCT FROM (EXCLUDED.hostname, EXCLUDED.os_family, EXCLUDED.os_name, EXCLUDED.os_version,
                    EXCLUDED.agent_version, EXCLUDED.protection, EXCLUDED.modules_version, EXCLUDED.last_update,
                    EXCLUDED.policy_version, COALESCE(EXCLUDED.inventory_hash, c.inventory_hash))`,
        values: [
          JSON.stringify(
            changed.map(({ agentId, body }) => ({
              agent_id: agentId,
              hostname: body.agent.hostname,
              os_family: body.agent.os.family,
              os_name: body.agent.os.name,
              os_version: body.agent.os.version,
              agent_version: body.agent.version,
              fingerprint: body.agent.fingerprint,
              protection: body.status.protection,
              modules_version: body.status.modulesVersion,
              last_update: body.status.lastUpdate,
              policy_version: body.policyVersion,
              // Only a full inventory moves the stored hash; a hash alone is a "no change" note.
              inventory_hash: inventories.some((i) => i.agent_id === agentId)
                ? body.inventory?.hash
                : null,
            })),
          ),
        ],
      });

    // Logs and acks: one statement (store/migrations/010-store-logs-function.ts).
    const outcome = await storeLogs(client, ids, logs);

    if (inventories.length > 0) {
      await step(client, {
        name: 'smc-upsert-inventories',
        text: `INSERT INTO inventories AS i (agent_id, hash, hardware, software, updated_at)
               SELECT agent_id, hash, hardware::jsonb, software::jsonb, now()
               FROM json_to_recordset($1::json) AS x(agent_id uuid, hash text, hardware json, software json)
               ORDER BY agent_id
               ON CONFLICT (agent_id) DO UPDATE SET hash = EXCLUDED.hash, hardware = EXCLUDED.hardware,
                 software = EXCLUDED.software, updated_at = now()`,
        values: [JSON.stringify(inventories)],
      });
    }

    const results = items.flatMap(({ agentId, body }) =>
      body.taskResults.map((r) => ({
        agent_id: agentId,
        task_id: r.taskId,
        state: r.state,
        at: r.time,
        detail: r.detail ?? null,
      })),
    );
    if (results.length > 0) {
      await step(client, {
        name: 'smc-task-results',
        text: `UPDATE task_targets AS t SET state = x.state, finished_at = x.at, detail = x.detail
               FROM json_to_recordset($1::json) AS x(agent_id uuid, task_id uuid, state text, at timestamptz, detail text)
               WHERE t.agent_id = x.agent_id AND t.task_id = x.task_id AND t.state IN ('pending', 'delivered')`,
        values: [JSON.stringify(results)],
      });
    }

    // Tasks: only agents the in-memory hints name are asked; a claim marks them delivered in
    // this transaction, and a task not finished after redeliverAfter is offered again.
    const tasks = new Map<string, AgentTask[]>();
    if (hinted.length > 0) {
      const claimed = await step<{
        agent_id: string;
        id: string;
        type: AgentTask['type'];
        params: Record<string, unknown>;
      }>(client, {
        name: 'smc-claim-tasks',
        text: `WITH due AS (
                 SELECT agent_id, task_id FROM (
                   SELECT agent_id, task_id, row_number() OVER (PARTITION BY agent_id ORDER BY task_id) AS n
                   FROM task_targets
                   WHERE agent_id = ANY($1::uuid[])
                     AND (state = 'pending' OR (state = 'delivered' AND delivered_at < now() - make_interval(secs => $2)))
                 ) ranked WHERE n <= $3)
               UPDATE task_targets AS t SET state = 'delivered', delivered_at = now()
               FROM due, tasks
               WHERE t.agent_id = due.agent_id AND t.task_id = due.task_id AND tasks.id = t.task_id
               RETURNING t.agent_id, tasks.id, tasks.type, tasks.params`,
        values: [hinted, options.redeliverAfterSeconds, MAX_TASKS],
      });
      for (const row of claimed.rows) {
        const list = tasks.get(row.agent_id) ?? [];
        list.push({ id: row.id, type: row.type, params: row.params });
        tasks.set(row.agent_id, list);
      }
    }

    const cloneAnswers = new Map<string, StoredReplication['clone']>();
    if (clones.length > 0) {
      await step(client, {
        name: 'smc-open-clone-questions',
        // One question per agent and fingerprint, ever: an answered one is not asked again.
        text: `INSERT INTO clone_questions (id, agent_id, known_fingerprint, new_fingerprint, hostname, resolution, resolved_at)
               SELECT id, agent_id, known, fresh, hostname, resolution, CASE WHEN resolution IS NULL THEN NULL ELSE now() END
               FROM json_to_recordset($1::json) AS x(id uuid, agent_id uuid, known text, fresh text, hostname text, resolution text)
               WHERE NOT EXISTS (SELECT 1 FROM clone_questions q WHERE q.agent_id = x.agent_id AND q.new_fingerprint = x.fresh)
               ON CONFLICT DO NOTHING`,
        values: [
          JSON.stringify(
            clones.map((c) => ({
              id: randomUUID(),
              agent_id: c.agentId,
              known: c.known,
              fresh: c.fresh,
              hostname: c.hostname,
              resolution: c.resolution,
            })),
          ),
        ],
      });
      const questions = await step<{
        id: string;
        agent_id: string;
        resolution: string | null;
      }>(client, {
        name: 'smc-clone-questions',
        text: `SELECT DISTINCT ON (q.agent_id) q.id, q.agent_id, q.resolution
               FROM clone_questions q JOIN unnest($1::uuid[], $2::text[]) AS x(agent_id, fp)
                 ON q.agent_id = x.agent_id AND q.new_fingerprint = x.fp
               ORDER BY q.agent_id, q.created_at DESC`,
        values: [clones.map((c) => c.agentId), clones.map((c) => c.fresh)],
      });
      for (const q of questions.rows) {
        const reenroll = q.resolution === 'create-new' || q.resolution === 'create-new-once';
        cloneAnswers.set(q.agent_id, {
          questionId: q.id,
          reason: reenroll
            ? 'an admin chose a new computer for this hardware: enroll again for a new identity'
            : 'this agent id replicated with another hardware fingerprint; waiting for an admin to decide',
          action: reenroll ? 're-enroll' : 'wait',
        });
      }
    }

    await client.query('COMMIT');
    for (const id of ids) {
      const key = keys.get(id) as string;
      if (cloneAnswers.has(id) || key === '') options.identityCache.delete(id);
      else options.identityCache.set(id, key);
    }

    return answersOf(ids, outcome, tasks, cloneAnswers);
  } catch (error) {
    // A database that is away would not answer the rollback either: the caller discards the
    // connection, which rolls back as surely.
    if (!isDatabaseUnavailable(error)) await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** A batch's logs as the store function takes them, with each agent's contiguous run. */
interface BatchLogs {
  /** One JSON document for every log of the batch; PostgreSQL unpacks it in C. */
  readonly json: string;
  /** Per agent of the batch, in its order: logs sent, and the run from the lowest seq. */
  readonly sent: number[];
  readonly first: number[];
  readonly last: number[];
}

function logsOf(items: readonly QueuedReplication[]): BatchLogs {
  const rows: string[] = [];
  const sent: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (const { agentId, body, logRows } of items) {
    sent.push(body.logs.length);
    if (body.logs.length === 0) {
      first.push(0);
      last.push(0);
      continue;
    }
    const seqs = body.logs.map((l) => l.seq).sort((a, b) => a - b);
    // The contiguous run from the lowest seq: only it can advance the ack.
    let through = seqs[0] as number;
    for (const seq of seqs) if (seq === through + 1) through = seq;
    first.push(seqs[0] as number);
    last.push(through);
    rows.push(logRows ?? logRowsText(agentId, body.logs));
  }
  return { json: `[${rows.join(',')}]`, sent, first, last };
}

interface LogsOutcome {
  /** Agent id -> ack position, logs newly stored, the clash seq (resend with other content). */
  readonly through: Map<string, number>;
  readonly stored: Map<string, number>;
  readonly clashes: Map<string, number>;
}

/** Inserts the logs, undoes clashing replications and advances the acks, in one statement. */
async function storeLogs(
  client: pg.PoolClient,
  ids: readonly string[],
  logs: BatchLogs,
): Promise<LogsOutcome> {
  const { rows } = await step<{
    o_agent: string;
    o_through: string | null;
    o_stored: number;
    o_clash: string | null;
  }>(client, {
    name: 'smc-store-logs',
    text: 'SELECT o_agent, o_through, o_stored, o_clash FROM smc_store_logs($1::json, $2::uuid[], $3::int[], $4::bigint[], $5::bigint[])',
    values: [logs.json, ids, logs.sent, logs.first, logs.last],
  });
  const outcome: LogsOutcome = { through: new Map(), stored: new Map(), clashes: new Map() };
  for (const row of rows) {
    // No row back: a new agent racing a concurrent batch for itself; an ack of 0 this time
    // is conservative, never wrong.
    if (row.o_through !== null) outcome.through.set(row.o_agent, Number(row.o_through));
    if (row.o_stored > 0) outcome.stored.set(row.o_agent, row.o_stored);
    if (row.o_clash !== null) outcome.clashes.set(row.o_agent, Number(row.o_clash));
  }
  return outcome;
}

function answersOf(
  ids: readonly string[],
  outcome: LogsOutcome,
  tasks: ReadonlyMap<string, AgentTask[]>,
  cloneAnswers: ReadonlyMap<string, StoredReplication['clone']>,
): Map<string, StoredReplication> {
  const stored = new Map<string, StoredReplication>();
  for (const id of ids) {
    const clone = cloneAnswers.get(id);
    const through = outcome.through.get(id) ?? 0;
    const clash = outcome.clashes.get(id);
    stored.set(id, {
      // A clash: acknowledge only what precedes it (and nothing this replication brought);
      // the agent numbers the rest again from the server's position and resends them
      // (protocol/README.md "Seqs").
      logsThrough: clash === undefined ? through : Math.min(through, clash - 1),
      tasks: tasks.get(id) ?? [],
      logsStored: outcome.stored.get(id) ?? 0,
      ...(clone ? { clone } : {}),
      ...(clash === undefined ? {} : { resync: { nextSeq: through + 1, conflictSeq: clash } }),
    });
  }
  return stored;
}

function hasTaskResults(item: QueuedReplication): boolean {
  return item.body.taskResults.length > 0;
}

/**
 * What must be unchanged for a replication to skip the computers upsert: every identity and
 * status field it writes. A full inventory always takes the long path ('' never matches).
 */
function identityKey({ body }: QueuedReplication): string {
  if (body.inventory?.hardware !== undefined || body.inventory?.software !== undefined) return '';
  const { agent, status } = body;
  return [
    agent.fingerprint,
    agent.hostname,
    agent.os.family,
    agent.os.name,
    agent.os.version,
    agent.version,
    status.protection,
    status.modulesVersion,
    status.lastUpdate,
    body.policyVersion,
  ].join('\u0000');
}
