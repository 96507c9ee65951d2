import { describe, expect, it } from 'vitest';
import type { ReplicateRequest } from '../../protocol/index.js';
import { logRowsText } from '../../server/ingest/log-rows.js';

type Log = ReplicateRequest['logs'][number];

/** The batch's log document is written by template: it must be what JSON.stringify writes. */
describe('log rows by template', () => {
  const logs: Log[] = [
    { seq: 1, type: 'event', time: '2026-12-02T10:00:00.000Z', data: {} },
    {
      seq: 9_007_199_254_740_991,
      type: 'detection',
      time: '2026-12-02T10:00:00.123Z',
      data: {
        threat: 'Win32/"x" \\ <img>\n\t\u2028 é 😀',
        nested: [1.5, -0, null, true, { a: [] }],
      },
    },
  ] as Log[];

  it('writes byte for byte what JSON.stringify writes for the same rows', () => {
    const rows = logs.map((log) => ({
      a: 'agent-1',
      s: log.seq,
      t: log.type,
      at: log.time,
      d: log.data,
    }));
    expect(`[${logRowsText('agent-1', logs)}]`).toBe(JSON.stringify(rows));
  });

  it('writes nothing for no logs, so a batch document stays valid JSON', () => {
    expect(logRowsText('agent-1', [])).toBe('');
  });
});
