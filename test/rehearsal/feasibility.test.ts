import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkSessionsFit, RehearsalSetupError, serverWorkersFor } from '../../rehearsal/index.js';
import { SMC_BIN } from '../bin/run-cli.js';

describe('sessions that fit one server process', () => {
  it('plays a fleet up to a tenth past the open-files limit, refuses one further past', () => {
    expect(() => checkSessionsFit(20_000, 20_000)).not.toThrow();
    expect(() => checkSessionsFit(19_000, null)).not.toThrow();
    expect(() => checkSessionsFit(50_000, 20_000)).toThrow(RehearsalSetupError);
    expect(() => checkSessionsFit(50_000, 20_000)).toThrow(
      /^--clients: 50,000 persistent sessions do not fit one server process here: .* at most 19,872 sessions/,
    );
    // Three workers hold them: each process has its own limit.
    expect(() => checkSessionsFit(50_000, 20_000, 3)).not.toThrow();
    expect(() => checkSessionsFit(50_000, 20_000, 2)).toThrow(
      /do not fit 2 server processes \(--server-workers\) here: .* at most 39,744 sessions/,
    );
  });

  it('starts as many server workers as the sessions need, up to two per core', () => {
    expect(serverWorkersFor(19_000, 20_000, 2)).toBe(1);
    // 20,000 sessions do not fit one process under a 20,000 limit (it keeps 128 files besides).
    expect(serverWorkersFor(20_000, 20_000, 2)).toBe(2);
    expect(serverWorkersFor(50_000, 20_000, 2)).toBe(3);
    expect(serverWorkersFor(100_000, 20_000, 2)).toBe(4);
    expect(serverWorkersFor(100_000, null, 2)).toBe(1);
  });

  it('refuses on the built CLI at once, before any server starts: one line, exit 2', () => {
    // A lower soft limit is what every user may set; 50,000 against 20,000 is the same rule.
    const result = spawnSync(
      'bash',
      ['-c', `ulimit -n 1000 && exec "${process.execPath}" "${SMC_BIN}" rehearse --clients 5000`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.status, result.stderr).toBe(2);
    // The plan's one-line summary, then the refusal: no server was started, no stack trace.
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      // 872 sessions each (1,000 less what a server keeps open), two workers per core at most.
      /^smc: --clients: 5,000 persistent sessions do not fit \d+ server processes \(--server-workers\) here: .* at most [\d,]+ sessions/,
    );
    expect(result.stderr).not.toMatch(/server up|^\s+at /m);
  });
});
