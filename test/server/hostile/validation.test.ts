import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findUnstorableJson,
  isUtcTime,
  MAX_EXACT_INTEGER,
  MAX_INT4,
} from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { countJsonValues } from '../../../server/http/json-body.js';
import { TestAgent } from '../../support/agent-client.js';
import { RawJson, rawJson } from '../../support/raw-json.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';

/**
 * Every value the issue found passing validation and then failing in PostgreSQL (or being
 * stored altered) is refused at the edge with 400 naming the field, and stores nothing.
 */
let server: RunningServer;
let agent: TestAgent;

beforeAll(async () => {
  server = await testServer();
  agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, await enrollmentToken(server));
});
afterAll(async () => {
  agent.close();
  await server.close();
});

const logCount = async () =>
  (await server.pool.query('SELECT count(*)::int AS n FROM logs')).rows[0].n as number;

type Mutate = (body: ReturnType<TestAgent['body']>) => unknown;
const withLog =
  (log: Record<string, unknown>): Mutate =>
  (b) => ({
    ...b,
    logs: [{ seq: 1, type: 'event', time: '2026-01-01T00:00:00Z', data: {}, ...log }],
  });

const refused: [string, Mutate | Buffer, string][] = [
  ['U+0000 in a log string', withLog({ data: { path: 'C:\\a\u0000b' } }), '/logs/0/data/path'],
  ['U+0000 in a key', withLog({ data: { 'a\u0000': 1 } }), '/logs/0/data/a\u0000'],
  [
    'U+0000 in the hostname',
    (b) => ({ ...b, agent: { ...b.agent, hostname: 'pc\u0000' } }),
    '/agent/hostname',
  ],
  ['a lone high surrogate', withLog({ data: { s: 'x\ud800y' } }), '/logs/0/data/s'],
  [
    'a lone low surrogate',
    (b) => ({ ...b, status: { ...b.status, modulesVersion: '\udc00' } }),
    '/status/modulesVersion',
  ],
  ['month 13', withLog({ time: '2026-13-01T00:00:00Z' }), '/logs/0/time'],
  ['30 February', withLog({ time: '2026-02-30T00:00:00Z' }), '/logs/0/time'],
  ['29 February of a common year', withLog({ time: '2100-02-29T00:00:00Z' }), '/logs/0/time'],
  ['year 0000', withLog({ time: '0000-01-01T00:00:00Z' }), '/logs/0/time'],
  ['a leap second', withLog({ time: '9999-12-31T23:59:60Z' }), '/logs/0/time'],
  [
    'hour 24',
    (b) => ({ ...b, status: { ...b.status, lastUpdate: '2026-01-01T24:00:00Z' } }),
    '/status/lastUpdate',
  ],
  ['seven fraction digits', withLog({ time: '2026-01-01T00:00:00.1234567Z' }), '/logs/0/time'],
  ['seq 2^63', withLog({ seq: new RawJson('9223372036854775808') }), '/logs/0/seq'],
  ['seq 2^53 + 1', withLog({ seq: new RawJson('9007199254740993') }), '/logs/0/seq'],
  ['seq 1e309', withLog({ seq: new RawJson('1e309') }), '/logs/0/seq'],
  [
    'a number past a double in data',
    withLog({ data: { n: new RawJson('1e400') } }),
    '/logs/0/data/n',
  ],
  [
    'an integer past 2^53 in data',
    withLog({ data: { id: new RawJson('12345678901234567891') } }),
    '/logs/0/data/id',
  ],
  ['policyVersion 2^31', (b) => ({ ...b, policyVersion: MAX_INT4 + 1 }), '/policyVersion'],
  [
    'uptime past 2^53',
    (b) => ({ ...b, status: { ...b.status, uptimeSeconds: new RawJson('1e17') } }),
    '/status/uptimeSeconds',
  ],
  [
    'a __proto__ key',
    withLog({ data: new RawJson('{"__proto__":{"x":1}}') }),
    '/logs/0/data/__proto__',
  ],
  ['a seq twice', (b) => ({ ...b, logs: [...withLogs(b), ...withLogs(b)] }), '/logs/1/seq'],
  [
    'invalid UTF-8',
    Buffer.concat([Buffer.from('{"agent":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    '/',
  ],
];

function withLogs(b: ReturnType<TestAgent['body']>) {
  return [{ seq: 7, type: 'event', time: '2026-01-01T00:00:00Z', data: {} }, ...b.logs];
}

describe('replication values PostgreSQL cannot store as sent are refused (400, field named)', () => {
  it.each(refused)('%s', async (_name, mutate, field) => {
    const before = await logCount();
    const payload = Buffer.isBuffer(mutate) ? mutate : rawJson(mutate(agent.body()));
    const res = await agent.replicate<{ error: { code: string; field: string } }>(null, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('SMC_BAD_BODY');
    expect(res.body.error.field).toBe(field);
    expect(await logCount()).toBe(before);
  });

  it('refuses 5,000 levels of nesting without a stack overflow', async () => {
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const res = await agent.replicate<{ error: { field: string; message: string } }>(
      null,
      rawJson(withLog({ data: new RawJson(deep) })(agent.body())),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/deeper than 64 levels/);
    expect(res.body.error.field).toMatch(/^\/logs\/0\/data(\/a)+$/);
  });

  it('still stores the edge values that are storable, exactly as sent', async () => {
    const seq = MAX_EXACT_INTEGER;
    const body = {
      ...agent.body(),
      policyVersion: MAX_INT4,
      logs: [
        {
          seq,
          type: 'event' as const,
          time: '2024-02-29T23:59:59.999999Z',
          data: {
            text: 'é \u2028 😀',
            n: 2 ** 53 - 1,
            low: -(2 ** 53 - 1),
            f: 0.1 + 0.2,
            e: 1e-300,
          },
        },
      ],
    };
    const res = await agent.replicate<{ ack: { logsThrough: number } }>(body);
    expect(res.status).toBe(200);
    const { rows } = await server.pool.query(
      `SELECT seq, data = $3::jsonb AS same_data, time = $4::timestamptz AS same_time,
              to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t
       FROM logs WHERE agent_id = $1 AND seq = $2`,
      [agent.id, seq, JSON.stringify(body.logs[0]?.data), body.logs[0]?.time],
    );
    expect(rows[0]).toMatchObject({
      seq,
      same_data: true,
      same_time: true,
      t: '2024-02-29T23:59:59.999999Z',
    });
  });
});

describe('the console API answers hostile query strings and bodies with 400, never 500', () => {
  const cases: [string, string, string, unknown, string][] = [
    ['page 1e20', 'GET', '/api/computers?page=1e20', undefined, '/page'],
    ['a NUL in a hostname filter', 'GET', '/api/computers?hostname=%00', undefined, '/hostname'],
    [
      'a NUL in policy settings',
      'PUT',
      '/api/policy',
      { settings: { x: 'a\u0000' } },
      '/settings/x',
    ],
    [
      'a lone surrogate in task params',
      'POST',
      '/api/tasks',
      { type: 'run-command', all: true, params: { c: '\ud800' } },
      '/params/c',
    ],
    [
      'a log audit through past 2^63',
      'POST',
      '/api/log-audit',
      {
        agents: [
          {
            agentId: agent?.id ?? '00000000-0000-4000-8000-000000000000',
            through: new RawJson('9223372036854775808'),
          },
        ],
      },
      '/agents/0/through',
    ],
    [
      'page past the bound on mobile devices',
      'GET',
      '/api/mobile-devices?page=1000001',
      undefined,
      '/page',
    ],
  ];
  it.each(cases)('%s', async (_name, method, route, body, field) => {
    const res = await consoleRequestRaw(method, route, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect((res.body as { error: { field: string } }).error.field).toBe(field);
  });
});

async function consoleRequestRaw(method: string, route: string, body: unknown) {
  const { httpsJson } = await import('../../support/agent-client.js');
  return httpsJson(`${server.consoleUrl}${route}`, {
    ca: server.caCertPem,
    token: server.adminToken,
    method,
    ...(body === undefined ? {} : { rawBody: rawJson(body) }),
  });
}

describe('protocol rules, unit by unit', () => {
  it('takes real calendar dates only', () => {
    for (const ok of [
      '2024-02-29T00:00:00Z',
      '2000-02-29T12:00:00.5Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999999Z',
    ])
      expect(isUtcTime(ok), ok).toBe(true);
    for (const bad of [
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:00+00:00',
      '10000-01-01T00:00:00Z',
    ])
      expect(isUtcTime(bad), bad).toBe(false);
  });

  it('names the first unstorable value by JSON pointer', () => {
    expect(findUnstorableJson({ a: [1, { 'b/c~': 'x\u0000' }] })?.field).toBe('/a/1/b~1c~0');
    expect(findUnstorableJson({ ok: ['é', 1.5, null, true] })).toBeNull();
  });

  it('counts values without descending the stack', () => {
    expect(countJsonValues(Buffer.from('{"a":[1,2,{"b":"x,y{["}]}'))).toBeGreaterThanOrEqual(5);
    expect(countJsonValues(Buffer.from('['.repeat(1_000_000)))).toBe(1_000_001);
  });
});

it('keeps counting consoleCall working for valid bodies', async () => {
  const res = await consoleCall(server, '/api/policy', 'PUT', { settings: { x: 'fine' } });
  expect(res.status).toBe(200);
});
