import fc from 'fast-check';
import {
  LOG_TYPES,
  MAX_EXACT_INTEGER,
  MAX_INT4,
  MDM_COMMAND_TYPES,
  TASK_TYPES,
} from '../../../../protocol/index.js';

/**
 * Bodies every listener must accept and store exactly as sent: well-formed text of any script,
 * any calendar date from 0001 to 9999 with microseconds, integers to their column bounds, log
 * data of any small JSON shape. The fuzz suite spoils fields of these (hostile-values.ts).
 */
export const text = (max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: Math.floor(max / 12) })
    .filter((s) => !s.includes('\u0000') && s.length > 0);

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

export const utcTime = fc
  .tuple(
    fc.date({
      min: new Date('0001-01-01T00:00:00.000Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    }),
    fc.integer({ min: 0, max: 999 }),
    fc.constantFrom(0, 3, 6),
  )
  .map(([date, micros, digits]) => {
    const base = date.toISOString().slice(0, 19);
    const fraction = `${String(date.getUTCMilliseconds()).padStart(3, '0')}${String(micros).padStart(3, '0')}`;
    return digits === 0 ? `${base}Z` : `${base}.${fraction.slice(0, digits)}Z`;
  });

const scalar = fc.oneof(
  text(120),
  fc.integer({ min: -MAX_EXACT_INTEGER, max: MAX_EXACT_INTEGER }),
  fc.double({ min: -1e15, max: 1e15, noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
/** Log data, hardware, task parameters, policy settings: small JSON of any shape. */
export const freeObject = fc.dictionary(
  text(60),
  fc.oneof(
    scalar,
    fc.dictionary(text(30), scalar, { maxKeys: 3 }),
    fc.array(scalar, { maxLength: 3 }),
  ),
  { maxKeys: 5 },
);

export const replication = (agentId: string, firstSeq: number) =>
  fc.record(
    {
      agent: fc.record({
        id: fc.constant(agentId),
        fingerprint: hex64,
        version: text(256),
        hostname: text(253),
        os: fc.record({
          family: fc.constantFrom('windows', 'macos', 'linux'),
          name: text(256),
          version: text(256),
        }),
      }),
      status: fc.record({
        protection: fc.constantFrom('ok', 'warning', 'critical'),
        modulesVersion: text(256),
        lastUpdate: utcTime,
        uptimeSeconds: fc.integer({ min: 0, max: MAX_EXACT_INTEGER }),
      }),
      inventory: fc.option(
        fc.record(
          {
            hash: hex64,
            hardware: freeObject,
            software: fc.array(
              fc.record(
                { name: text(256), version: text(256), vendor: text(256) },
                { requiredKeys: ['name', 'version'] },
              ),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: ['hash'] },
        ),
        { nil: undefined },
      ),
      logs: fc
        .array(
          fc.record({ type: fc.constantFrom(...LOG_TYPES), time: utcTime, data: freeObject }),
          { maxLength: 4 },
        )
        .map((logs) => logs.map((log, i) => ({ seq: firstSeq + i, ...log }))),
      taskResults: fc.array(
        fc.record(
          {
            taskId: fc.uuid({ version: 4 }),
            state: fc.constantFrom('done', 'failed'),
            time: utcTime,
            detail: text(4_096),
          },
          { requiredKeys: ['taskId', 'state', 'time'] },
        ),
        { maxLength: 2 },
      ),
      policyVersion: fc.integer({ min: 0, max: MAX_INT4 }),
    },
    { requiredKeys: ['agent', 'status', 'logs', 'taskResults', 'policyVersion'] },
  );

const location = fc.record({
  latitude: fc.double({ min: -90, max: 90, noNaN: true }),
  longitude: fc.double({ min: -180, max: 180, noNaN: true }),
  accuracyMeters: fc.double({ min: 0, max: 1_000_000, noNaN: true }),
  time: utcTime,
});

export const checkIn = (deviceId: string, platform: 'android' | 'ios') =>
  fc.record({
    device: fc.record({
      id: fc.constant(deviceId),
      platform: fc.constant(platform),
      osVersion: text(256),
      model: text(256),
    }),
    status: fc.record(
      {
        battery: fc.record({ level: fc.integer({ min: 0, max: 100 }), charging: fc.boolean() }),
        encrypted: fc.boolean(),
        location,
        appListHash: hex64,
      },
      { requiredKeys: ['battery', 'encrypted', 'appListHash'] },
    ),
    commandResults: fc.array(
      fc.record(
        {
          commandId: fc.uuid({ version: 4 }),
          state: fc.constantFrom('done', 'failed'),
          time: utcTime,
          detail: text(4_096),
          location,
        },
        { requiredKeys: ['commandId', 'state', 'time'] },
      ),
      { maxLength: 2 },
    ),
  });

export const mdmDevice = fc.record({
  platform: fc.constantFrom('android', 'ios'),
  osVersion: text(256),
  model: text(256),
});

/** A console call: route, method, and its body or query. */
export const consoleCall = fc.oneof(
  fc.record({
    route: fc.constant('/api/enrollment-tokens'),
    method: fc.constant('POST'),
    body: fc.record(
      {
        uses: fc.integer({ min: 1, max: 10_000_000 }),
        ttlSeconds: fc.integer({ min: 60, max: 30 * 86_400 }),
        kind: fc.constantFrom('agent', 'mdm-connector'),
      },
      { requiredKeys: ['uses', 'ttlSeconds'] },
    ),
  }),
  fc.record({
    route: fc.constant('/api/policy'),
    method: fc.constant('PUT'),
    body: fc.record({ settings: freeObject }),
  }),
  fc.record({
    route: fc.constant('/api/tasks'),
    method: fc.constant('POST'),
    body: fc.record({
      type: fc.constantFrom(...TASK_TYPES),
      params: freeObject,
      agentIds: fc.array(fc.uuid({ version: 4 }), { minLength: 1, maxLength: 3 }),
    }),
  }),
  fc.record({
    route: fc.constant('/api/log-audit'),
    method: fc.constant('POST'),
    body: fc.record({
      agents: fc.array(
        fc.record({
          agentId: fc.uuid({ version: 4 }),
          from: fc.integer({ min: 1, max: 100 }),
          through: fc.integer({ min: 0, max: MAX_EXACT_INTEGER }),
        }),
        { maxLength: 3 },
      ),
    }),
  }),
  fc.record({
    route: fc.uuid({ version: 4 }).map((id) => `/api/mobile-devices/${id}/commands`),
    method: fc.constant('POST'),
    body: fc.record(
      { command: fc.constantFrom(...MDM_COMMAND_TYPES), params: freeObject },
      { requiredKeys: ['command'] },
    ),
  }),
  fc.record({
    route: fc.uuid({ version: 4 }).map((id) => `/api/clones/${id}/resolve`),
    method: fc.constant('POST'),
    body: fc.record({
      resolution: fc.constantFrom(
        'match-existing',
        'create-new',
        'create-new-once',
        'accept-hardware-change',
      ),
    }),
  }),
  fc.record({
    route: fc.uuid({ version: 4 }).map((id) => `/api/agents/${id}/revoke`),
    method: fc.constant('POST'),
    body: fc.record({ reason: text(1_024) }, { requiredKeys: [] }),
  }),
);

/** Query strings of the console's listings, each value possibly hostile. */
export const consoleQuery = fc.record({
  route: fc.constantFrom(
    '/api/computers',
    '/api/mobile-devices',
    '/api/tasks',
    '/api/clones',
    '/api/stats',
  ),
  params: fc.dictionary(
    fc.constantFrom('page', 'pageSize', 'status', 'os', 'clone', 'hostname', 'platform', 'x'),
    fc.oneof(
      fc.constantFrom(
        '1',
        '2',
        '500',
        '501',
        '0',
        '-1',
        '1e20',
        '1.5',
        'NaN',
        'true',
        'ok',
        'windows',
        'ios',
        '%00',
        '%ED%A0%80',
        '%FF',
        '\u0000',
        '\ud800',
      ),
      fc.string({ unit: 'binary', maxLength: 20 }),
    ),
    { maxKeys: 3 },
  ),
});
