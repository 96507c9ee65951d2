import { describe, expect, it } from 'vitest';
import type { WindowFigures } from '../../rehearsal/upgrade/change-window.js';
import { judgeUpgrade } from '../../rehearsal/upgrade/upgrade-verdict.js';

const figures = (over: Partial<WindowFigures> = {}): WindowFigures => ({
  replications: 100,
  ok: 90,
  shed503: 6,
  errors: 4,
  errorsByOutcome: { connect_error: 3, timeout: 1 },
  p50Ms: 20,
  p99Ms: 400,
  maxMs: 900,
  ...over,
});
const base = {
  nodes: 2,
  upgraded: 2,
  run: figures(),
  change: figures(),
  verify: { acknowledged: 500, lost: 0 },
  logs: { acknowledged: 500 },
  interrupted: false,
};

describe('the upgrade verdict', () => {
  it('passes retried replications (503 + Retry-After, cut connections) when no acknowledged log is lost', () => {
    expect(judgeUpgrade(base)).toEqual({ verdict: 'pass', reasons: [] });
  });

  it('fails one lost acknowledged log', () => {
    const verdict = judgeUpgrade({ ...base, verify: { acknowledged: 500, lost: 1 } });
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons).toEqual(['1 acknowledged logs are not in the database (must be 0)']);
  });

  it('fails a run that measured nothing: no check, no acknowledged replication in the change, a node not upgraded', () => {
    const verdict = judgeUpgrade({
      ...base,
      upgraded: 1,
      change: figures({ ok: 0 }),
      verify: null,
    });
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons).toHaveLength(3);
  });

  it('fails requests refused with a 4xx (a bug, not a retry); answers cut short are figures', () => {
    const verdict = judgeUpgrade({
      ...base,
      run: figures({ errorsByOutcome: { http_4xx: 2, protocol_error: 5 } }),
    });
    expect(verdict.reasons).toEqual([
      "2 replications were refused with a 4xx (a correct agent's request)",
    ]);
  });
});
