import type { WindowFigures } from './change-window.js';

export interface UpgradeVerdict {
  readonly verdict: 'pass' | 'fail';
  readonly reasons: readonly string[];
}

/**
 * What the rolling upgrade is judged on: acknowledged logs lost must be 0, checked against
 * the database, and the run must have measured something (both nodes upgraded, replications
 * acknowledged during the change, logs checked). Failed and refused replications are figures,
 * not the verdict: an agent refused with 503 + Retry-After, or whose connection was cut while
 * a node stopped, keeps its logs (nothing unacknowledged is dropped) and sends them again; the
 * protocol promises no loss, not no retries, and a loaded machine makes retries a matter of
 * chance. A replication refused with a 4xx is a bug, and fails it.
 */
export function judgeUpgrade(input: {
  nodes: number;
  upgraded: number;
  run: WindowFigures;
  change: WindowFigures;
  verify: { acknowledged: number; lost: number } | null;
  logs: { acknowledged: number };
  interrupted: boolean;
}): UpgradeVerdict {
  const reasons: string[] = [];
  if (input.interrupted) reasons.push('the run was interrupted');
  if (input.upgraded < input.nodes)
    reasons.push(`only ${input.upgraded} of ${input.nodes} nodes were upgraded`);
  if (input.change.ok === 0)
    reasons.push('no replication was acknowledged during the change: it measured nothing');
  if (!input.verify || input.verify.acknowledged === 0)
    reasons.push('no acknowledged log was checked against the database');
  else if (input.verify.lost > 0)
    reasons.push(`${input.verify.lost} acknowledged logs are not in the database (must be 0)`);
  // A 4xx is the server refusing what a correct agent sent: a bug, never a retry. (An answer
  // cut short when a node stops shows as protocol_error: a figure, the agent resends.)
  const bugs = input.run.errorsByOutcome.http_4xx ?? 0;
  if (bugs > 0)
    reasons.push(`${bugs} replications were refused with a 4xx (a correct agent's request)`);
  return { verdict: reasons.length === 0 ? 'pass' : 'fail', reasons };
}
