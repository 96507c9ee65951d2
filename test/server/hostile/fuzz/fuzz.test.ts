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

/** Stored = sent: each log (unless the answer was a resync) and the computer's status fields. */
async function expectReplicationStored(
  agentId: string,
  sent: Record<string, any>,
  answer: Record<string, any>,
) {
  const logs = sent.logs as LogEntry[];
  const { rows } = await server.pool.query<{ seq: number; hash: Buffer; same: boolean }>(
    `SELECT l.seq, l.content_hash AS hash, l.data = x.data AND l.time = x.time::timestamptz AND l.type = x.type AS same
     FROM json_to_recordset($2::json) AS x(seq bigint, type text, time text, data jsonb)
     JOIN logs l ON l.agent_id = $1 AND l.seq = x.seq`,
    [agentId, JSON.stringify(logs)],
  );
  const stored = new Map(rows.map((r) => [r.seq, r]));
  for (const log of logs) {
    const row = stored.get(log.seq);
    if (answer.resync) {
      // Not stored by this replication: absent, or another content already there.
      if (row) expect(row.hash.equals(logContentHash(log))).toBe(false);
    } else {
      expect(row, `log ${log.seq} acknowledged path but not stored`).toBeDefined();
      expect(row?.same).toBe(true);
      expect(row?.hash.equals(logContentHash(log))).toBe(true);
    }
  }
  const computer = await server.pool.query(
    `SELECT hostname, os_family, os_name, os_version, agent_version, protection, modules_version,
            last_update = $2::timestamptz AS last_update_same, policy_version FROM computers WHERE agent_id = $1`,
    [agentId, sent.status.lastUpdate],
  );
  expect(computer.rows[0]).toEqual({
    hostname: sent.agent.hostname,
    os_family: sent.agent.os.family,
    os_name: sent.agent.os.name,
    os_version: sent.agent.os.version,
    agent_version: sent.agent.version,
    protection: sent.status.protection,
    modules_version: sent.status.modulesVersion,
    last_update_same: true,
    policy_version: sent.policyVersion,
  });
}

const PLACEHOLDER = '00000000-0000-4000-8000-000000000000';

describe('fuzz: every field of every body, never a 5xx, stored = sent', () => {
  it('replication (2,500 cases, 10 agents at a time)', async () => {
    const oneCase = fc.record({ body: valid.replication(PLACEHOLDER, 1), how: spoiling });
    await fc.assert(
      fc.asyncProperty(
        fc.array(oneCase, { minLength: AGENTS, maxLength: AGENTS }),
        async (cases) => {
          await Promise.all(
            cases.map(async ({ body, how }, i) => {
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
                await expectReplicationStored(
                  agent.id,
                  JSON.parse(sent),
                  answer.body as Record<string, unknown>,
                );
            }),
          );
        },
      ),
      { numRuns: 250, ...(seed !== undefined ? { seed } : {}) },
    );
  }, 180_000);

  it('MDM check-in (1,200 cases, 10 devices at a time)', async () => {
    const oneCase = fc.record({
      android: valid.checkIn(PLACEHOLDER, 'android'),
      ios: valid.checkIn(PLACEHOLDER, 'ios'),
      how: spoiling,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(oneCase, { minLength: AGENTS, maxLength: AGENTS }),
        async (cases) => {
          await Promise.all(
            cases.map(async ({ android, ios, how }, i) => {
              const device = devices[i] as TestDevice;
              const body = device.platform === 'ios' ? ios : android;
              const own = { ...body, device: { ...body.device, id: device.id } };
              const { payload, spoiled, sent } = spoil(own, how);
              const answer = await request(`${connector.deviceUrl}/mdm/v1/check-in`, {
                ca: connector.caCertPem,
                cert: device.cert,
                key: device.key,
                body: payload,
              });
              expectAnswered('check-in', answer, spoiled);
              if (answer.status !== 200 || !sent) return;
              const s = JSON.parse(sent);
              const { rows } = await connector.pool.query(
                `SELECT platform, os_version, model, battery_level, charging, encrypted, app_list_hash,
                      location = $2::jsonb OR (location IS NULL AND $2::jsonb IS NULL) AS location_same
               FROM mdm.devices WHERE id = $1`,
                [
                  device.id,
                  s.status.location === undefined ? null : JSON.stringify(s.status.location),
                ],
              );
              expect(rows[0]).toEqual({
                platform: s.device.platform,
                os_version: s.device.osVersion,
                model: s.device.model,
                battery_level: s.status.battery.level,
                charging: s.status.battery.charging,
                encrypted: s.status.encrypted,
                app_list_hash: s.status.appListHash,
                location_same: true,
              });
            }),
          );
        },
      ),
      { numRuns: 120, ...(seed !== undefined ? { seed } : {}) },
    );
  }, 180_000);

  it('enrollment, server and MDM (500 cases)', async () => {
    const oneCase = fc.record({
      csr: fc.nat(),
      device: valid.mdmDevice,
      mdm: fc.boolean(),
      how: spoiling,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(oneCase, { minLength: AGENTS, maxLength: AGENTS }),
        async (cases) => {
          await Promise.all(
            cases.map(async ({ csr, device, mdm, how }) => {
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
              const s = JSON.parse(sent);
              if (mdm) {
                const { rows } = await connector.pool.query(
                  'SELECT platform, os_version, model FROM mdm.devices WHERE id = $1',
                  [(answer.body as { deviceId: string }).deviceId],
                );
                expect(rows[0]).toEqual({
                  platform: s.device.platform,
                  os_version: s.device.osVersion,
                  model: s.device.model,
                });
              } else {
                const { rows } = await server.pool.query(
                  'SELECT kind FROM enrolled_agents WHERE agent_id = $1',
                  [(answer.body as { agentId: string }).agentId],
                );
                expect(rows[0]).toEqual({ kind: 'agent' });
              }
            }),
          );
        },
      ),
      { numRuns: 50, ...(seed !== undefined ? { seed } : {}) },
    );
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
        });
        tally('console', answer.status);
        expect(answer.status).not.toBe('hang');
        expect(answer.status as number, JSON.stringify(answer.body)).toBeLessThan(500);
        if (answer.status !== 200 || !sent) return;
        const s = JSON.parse(sent);
        if (call.route === '/api/policy') {
          const { rows } = await server.pool.query(
            'SELECT settings = $1::jsonb AS same FROM policy',
            [JSON.stringify(s.settings)],
          );
          expect(rows[0]).toEqual({ same: true });
        } else if (call.route === '/api/tasks') {
          const { rows } = await server.pool.query(
            'SELECT params = $2::jsonb AS same FROM tasks WHERE id = $1',
            [(answer.body as { id: string }).id, JSON.stringify(s.params ?? {})],
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
        });
        tally('console-query', answer.status);
        expect(answer.status).not.toBe('hang');
        expect(answer.status as number, JSON.stringify(answer.body)).toBeLessThan(500);
      }),
      { numRuns: 300, ...(seed !== undefined ? { seed } : {}) },
    );
  }, 180_000);
});
