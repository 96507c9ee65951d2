import type { VirtualAgent } from '../agent/agent.js';
import { auditStoredLogs, type ConsoleEndpoint } from '../identity/console-client.js';

/**
 * `--verify`: asks the server, per agent and run of acknowledged seqs, how many logs it holds
 * and the digest of their content, and compares both with what this run sent (each agent's
 * ContentLedger). `lost` counts missing logs plus one per run whose stored content differs.
 */
export async function verifyStoredContent(
  console: ConsoleEndpoint,
  agents: readonly VirtualAgent[],
): Promise<{
  agents: number;
  acknowledged: number;
  stored: number;
  lost: number;
  mismatched: number;
}> {
  const ranges = agents.flatMap((agent) =>
    (agent.ledger?.filled ?? []).map((segment) => ({ agent, segment })),
  );
  const answers = await auditStoredLogs(
    console,
    ranges.map(({ agent, segment }) => ({
      agentId: agent.agentId,
      from: segment.from,
      through: segment.through,
    })),
  );
  let acknowledged = 0;
  let held = 0;
  let mismatched = 0;
  ranges.forEach(({ segment }, i) => {
    const expected = segment.through - segment.from + 1;
    const answer = answers[i];
    const stored = Math.min(expected, answer?.stored ?? 0);
    acknowledged += expected;
    held += stored;
    if (stored === expected && answer?.digest !== segment.digest.toHex()) mismatched += 1;
  });
  return {
    agents: agents.length,
    acknowledged,
    stored: held,
    lost: acknowledged - held + mismatched,
    mismatched,
  };
}
