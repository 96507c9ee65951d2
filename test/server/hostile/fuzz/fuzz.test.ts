import https from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogEntry, logContentHash } from '../../../../protocol/index.js';
import type { RunningServer } from '../../../../server/app.js';
import type { RunningConnector } from '../../../../server/mdm/connector.js';
import { TestAgent } from '../../../support/agent-client.js';
import { rawJson } from '../../../support/raw-json.js';
import { enrollmentToken, testServer } from '../../../support/server.js';
import { mdmToken, testConnector } from '../../mdm/connector-support.js';
import { TestDevice } from '../../mdm/test-device.js';
import { makeAgentCsr } from '../../pki/make-agent-csr.js';
import { HANG_MS, queryString, type RawAnswer, request } from './fuzz-client.js';
import { breakUtf8, type Mutation, mutate, mutation } from './hostile-values.js';
import * as valid from './valid-bodies.js';

/**
 * Property suite over every field of the replication, check-in, enrollment and console
 * bodies (and the console's query strings): valid bodies with 0-3 fields spoiled by hostile
 * values (hostile-values.ts), sometimes with broken UTF-8, sent ten at a time so valid and
 * spoiled ones share group-commit batches. For every case: never a 5xx, never a hang (10 s),
 * an unspoiled body is accepted, and whatever is accepted is stored exactly as sent. 5,400
 * cases per run; the counts by status are printed at the end. FC_SEED=n replays a run.
 */
const AGENTS = 10;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const counts: Record<string, Record<string, number>> = {};
const tally = (plane: string, status: number | string) => {
  const byStatus = counts[plane] ?? {};
  byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
  counts[plane] = byStatus;
};

let server: RunningServer;
let connector: RunningConnector;
let agents: TestAgent[];
let devices: TestDevice[];
let serverToken: string;
let deviceToken: string;
let csrs: string[];
const nextSeq = new Map<string, number>();
const keepAlives = new Map<string, https.Agent>();
/** One keep-alive connection pool per peer (a refused body may still close its connection). */
const keepAlive = (peer: string) => {
  const agent = keepAlives.get(peer) ?? new https.Agent({ keepAlive: true, maxSockets: 2 });
  keepAlives.set(peer, agent);
  return agent;
};

beforeAll(async () => {
  server = await testServer({ maxInFlightPerAgent: 16 });
  connector = await testConnector(server);
  serverToken = await enrollmentToken(server, 100_000);
  agents = await Promise.all(
    Array.from({ length: AGENTS }, () =>
      TestAgent.enroll(server.agentUrl, server.caCertPem, serverToken),
    ),
  );
  deviceToken = await mdmToken(connector, 100_000);
  devices = await Promise.all(
    Array.from({ length: AGENTS }, (_, i) =>
      TestDevice.enroll(connector, deviceToken, i % 2 ? 'ios' : 'android'),
    ),
  );
  csrs = (await Promise.all(Array.from({ length: 5 }, () => makeAgentCsr()))).map((c) => c.csrPem);
}, 120_000);
afterAll(async () => {
  for (const agent of agents ?? []) agent.close();
  for (const agent of keepAlives.values()) agent.destroy();
  await connector?.close();
  await server?.close();
  const total = Object.values(counts).reduce(
    (n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0),
    0,
  );
  console.log(`fuzz: ${total} cases by plane and status ${JSON.stringify(counts)}`);
});

/** Free-form objects are spoiled as a whole, never inside (their insides are anything). */
const stopAtFree = (path: readonly string[]) =>
  ['data', 'hardware', 'params', 'settings'].includes(path[path.length - 1] as string);

/** About 4 cases in 10 are sent as generated (valid: must be stored as sent), the rest spoiled. */
const spoiling = fc.record({
  mutations: fc.oneof(
    { weight: 4, arbitrary: fc.constant([] as Mutation[]) },
    { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
  ),
  // One case in 12 has a byte that is not UTF-8 somewhere.
  brokenUtf8: fc.oneof(
    { weight: 11, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.nat() },
  ),
});

/** The bytes to send, and whether they differ from the valid body. */
function spoil(body: unknown, how: { mutations: Mutation[]; brokenUtf8: number | undefined }) {
  const clean = JSON.stringify(body);
  const text = rawJson(how.mutations.length ? mutate(body, how.mutations, stopAtFree) : body);
  if (how.brokenUtf8 !== undefined)
    return { payload: breakUtf8(text, how.brokenUtf8), spoiled: true, sent: null };
  return { payload: text, spoiled: text !== clean, sent: text };
}

function expectAnswered(plane: string, answer: RawAnswer, spoiled: boolean) {
  tally(plane, answer.status);
  expect(answer.status, `${plane}: no answer in ${HANG_MS} ms`).not.toBe('hang');
  expect(answer.status as number, `${plane}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
  expect(answer.status).not.toBe(0);
  if (!spoiled)
    expect(
      answer.status,
      `${plane}: a valid body was refused: ${JSON.stringify(answer.body)}`,
    ).toBe(200);
  if (answer.status === 400)
    expect(typeof (answer.body as { error: { field?: string } }).error.field).toBe('string');
}

async function replicate(agent: TestAgent, payload: string | Buffer): Promise<RawAnswer> {
  const answer = agent.replicate(null, payload).then(
    (res) => ({ status: res.status, body: res.body }) as RawAnswer,
    (error: Error) => ({ status: 0, body: error.message }) as RawAnswer,
  );
  return Promise.race([
    answer,
    new Promise<RawAnswer>((r) =>
      setTimeout(() => r({ status: 'hang', body: null }), HANG_MS).unref(),
    ),
  ]);
}

/**
 * A sent time as PostgreSQL prints a stored one (UTC, microseconds), from the text alone: no
 * Date in between, so a leap second or an impossible day cannot be "normalised" into a match.
 */
function asStoredTime(sent: string): string {
  const [whole = '', fraction = ''] = sent.replace(/Z$/, '').split('.');
  return `${whole}.${fraction.padEnd(6, '0')}Z`;
}
const STORED_TIME = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Stored = sent, judged by PostgreSQL against the text that was sent (never against a
 * JavaScript round trip, which would hide a 1e400 stored as null or a rounded integer): each
 * log (unless the answer was a resync) and the computer's status fields.
 */
async function expectReplicationStored(
  agentId: string,
  sentText: string,
  answer: Record<string, unknown>,
) {
  const sent = JSON.parse(sentText) as { logs: LogEntry[]; status: { lastUpdate: string } };
  const { rows } = await server.pool.query<{
    seq: number;
    hash: Buffer;
    same: boolean;
    time: string;
  }>(
    `SELECT l.seq, l.content_hash AS hash, to_char(l.time AT TIME ZONE 'UTC', ${STORED_TIME}) AS time,
            l.data = (x.value->'data')::jsonb AND l.type = x.value->>'type' AS same
     FROM json_array_elements(($2::json)->'logs') AS x(value)
     JOIN logs l ON l.agent_id = $1 AND l.seq::numeric = (x.value->>'seq')::numeric`,
    [agentId, sentText],
  );
  const stored = new Map(rows.map((r) => [r.seq, r]));
  for (const log of sent.logs) {
    const row = stored.get(log.seq);
    if (answer.resync) {
      // Not stored by this replication: absent, or another content already there.
      if (row) expect(row.hash.equals(logContentHash(log))).toBe(false);
    } else {
      expect(row, `log ${log.seq} acknowledged but not stored`).toBeDefined();
      expect(row?.same, `log ${log.seq} stored other data than sent`).toBe(true);
      expect(row?.time).toBe(asStoredTime(log.time));
      expect(row?.hash.equals(logContentHash(log))).toBe(true);
    }
  }
  const computer = await server.pool.query(
    `SELECT c.hostname = j->'agent'->>'hostname' AND c.os_family = j->'agent'->'os'->>'family'
              AND c.os_name = j->'agent'->'os'->>'name' AND c.os_version = j->'agent'->'os'->>'version'
              AND c.agent_version = j->'agent'->>'version' AND c.protection = j->'status'->>'protection'
              AND c.modules_version = j->'status'->>'modulesVersion'
              AND c.policy_version::numeric = (j->>'policyVersion')::numeric AS same,
            to_char(c.last_update AT TIME ZONE 'UTC', ${STORED_TIME}) AS last_update
     FROM computers c, (SELECT $2::json AS j) sent WHERE c.agent_id = $1`,
    [agentId, sentText],
  );
  expect(computer.rows[0]).toEqual({
    same: true,
    last_update: asStoredTime(sent.status.lastUpdate),
  });
}

const PLACEHOLDER = '00000000-0000-4000-8000-000000000000';

/** `numRuns` runs of AGENTS cases each, sent at once (case i on peer i), so cases share batches. */
function inBatches<T>(
  oneCase: fc.Arbitrary<T>,
  numRuns: number,
  run: (c: T, i: number) => Promise<void>,
) {
  return fc.assert(
    fc.asyncProperty(fc.array(oneCase, { minLength: AGENTS, maxLength: AGENTS }), async (cases) => {
      await Promise.all(cases.map((c, i) => run(c, i)));
    }),
    { numRuns, ...(seed !== undefined ? { seed } : {}) },
  );
}

describe('fuzz: every field of every body, never a 5xx, stored = sent', () => {
  it('replication (2,500 cases, 10 agents at a time)', async () => {
    const oneCase = fc.record({ body: valid.replication(PLACEHOLDER, 1), how: spoiling });
    await inBatches(oneCase, 250, async ({ body, how }, i) => {
      const agent = agents[i] as TestAgent;
      const base = nextSeq.get(agent.id) ?? 1;
      const own = {
        ...body,
        agent: { ...body.agent, id: agent.id },
        logs: body.logs.map((l, k) => ({ ...l, seq: base + k })),
      };
      nextSeq.set(agent.id, base + body.logs.length + 1);
      const { payload, spoiled, sent } = spoil(own, how);
      const answer = await replicate(agent, payload);
      expectAnswered('replication', answer, spoiled);
      if (answer.status === 200 && sent)
        await expectReplicationStored(agent.id, sent, answer.body as Record<string, unknown>);
    });
  }, 180_000);

  it('MDM check-in (1,200 cases, 10 devices at a time)', async () => {
    const oneCase = fc.record({
      android: valid.checkIn(PLACEHOLDER, 'android'),
      ios: valid.checkIn(PLACEHOLDER, 'ios'),
      how: spoiling,
    });
    await inBatches(oneCase, 120, async ({ android, ios, how }, i) => {
      const device = devices[i] as TestDevice;
      const body = device.platform === 'ios' ? ios : android;
      const own = { ...body, device: { ...body.device, id: device.id } };
      const { payload, spoiled, sent } = spoil(own, how);
      const answer = await request(`${connector.deviceUrl}/mdm/v1/check-in`, {
        ca: connector.caCertPem,
        cert: device.cert,
        key: device.key,
        body: payload,
        agent: keepAlive(device.id),
      });
      expectAnswered('check-in', answer, spoiled);
      if (answer.status !== 200 || !sent) return;
      const { rows } = await connector.pool.query(
        `SELECT d.platform = j->'device'->>'platform' AND d.os_version = j->'device'->>'osVersion'
                          AND d.model = j->'device'->>'model'
                          AND d.battery_level::numeric = (j->'status'->'battery'->>'level')::numeric
                          AND d.charging = (j->'status'->'battery'->>'charging')::boolean
                          AND d.encrypted = (j->'status'->>'encrypted')::boolean
                          AND d.app_list_hash = j->'status'->>'appListHash'
                          AND d.location IS NOT DISTINCT FROM (j->'status'->'location')::jsonb AS same
                 FROM mdm.devices d, (SELECT $2::json AS j) sent WHERE d.id = $1`,
        [device.id, sent],
      );
      expect(rows[0]).toEqual({ same: true });
    });
  }, 180_000);

  it('enrollment, server and MDM (500 cases)', async () => {
    const oneCase = fc.record({
      csr: fc.nat(),
      device: valid.mdmDevice,
      mdm: fc.boolean(),
      how: spoiling,
    });
    await inBatches(oneCase, 50, async ({ csr, device, mdm, how }) => {
      const csrPem = csrs[csr % csrs.length] as string;
      const body = mdm
        ? { token: deviceToken, csr: csrPem, device }
        : { token: serverToken, csr: csrPem };
      const { payload, spoiled, sent } = spoil(body, how);
      const answer = await request(
        mdm ? `${connector.enrollUrl}/mdm/v1/enroll` : `${server.agentUrl}/v1/enroll`,
        {
          ca: mdm ? connector.caCertPem : server.caCertPem,
          body: payload,
        },
      );
      expectAnswered(mdm ? 'mdm-enroll' : 'enroll', answer, spoiled);
      if (answer.status !== 200 || !sent) return;
      if (mdm) {
        const { rows } = await connector.pool.query(
          `SELECT d.platform = j->'device'->>'platform' AND d.os_version = j->'device'->>'osVersion'
                            AND d.model = j->'device'->>'model' AS same
                   FROM mdm.devices d, (SELECT $2::json AS j) sent WHERE d.id = $1`,
          [(answer.body as { deviceId: string }).deviceId, sent],
        );
        expect(rows[0]).toEqual({ same: true });
      } else {
        const { rows } = await server.pool.query(
          'SELECT kind FROM enrolled_agents WHERE agent_id = $1',
          [(answer.body as { agentId: string }).agentId],
        );
        expect(rows[0]).toEqual({ kind: 'agent' });
      }
    });
  }, 180_000);

  it('console bodies and query strings (1,200 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(valid.consoleCall, spoiling, async (call, how) => {
        const { payload, spoiled, sent } = spoil(call.body, how);
        const answer = await request(`${server.consoleUrl}${call.route}`, {
          ca: server.caCertPem,
          bearer: server.adminToken,
          method: call.method,
          body: payload,
          agent: keepAlive('console'),
        });
        tally('console', answer.status);
        expect(answer.status).not.toBe('hang');
        expect(answer.status as number, JSON.stringify(answer.body)).toBeLessThan(500);
        if (answer.status !== 200 || !sent) return;
        // Judged by PostgreSQL against the text sent, not a JavaScript round trip.
        if (call.route === '/api/policy') {
          const { rows } = await server.pool.query(
            `SELECT settings = (($1::json)->'settings')::jsonb AS same FROM policy`,
            [sent],
          );
          expect(rows[0]).toEqual({ same: true });
        } else if (call.route === '/api/tasks') {
          const { rows } = await server.pool.query(
            `SELECT params = COALESCE((($2::json)->'params')::jsonb, '{}') AS same FROM tasks WHERE id = $1`,
            [(answer.body as { id: string }).id, sent],
          );
          expect(rows[0]).toEqual({ same: true });
        }
        expect(
          spoiled || answer.status === 200 || answer.status === 404 || answer.status === 409,
        ).toBe(true);
      }),
      { numRuns: 900, ...(seed !== undefined ? { seed } : {}) },
    );
    await fc.assert(
      fc.asyncProperty(valid.consoleQuery, async ({ route, params }) => {
        const answer = await request(`${server.consoleUrl}${route}${queryString(params)}`, {
          ca: server.caCertPem,
          bearer: server.adminToken,
          agent: keepAlive('console'),
        });
        tally('console-query', answer.status);
        expect(answer.status).not.toBe('hang');
        expect(answer.status as number, JSON.stringify(answer.body)).toBeLessThan(500);
      }),
      { numRuns: 300, ...(seed !== undefined ? { seed } : {}) },
    );
  }, 180_000);
});
