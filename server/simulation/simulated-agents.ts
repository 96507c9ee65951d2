/**
 * SQL fragments that say "this agent is simulated", one place for every query that filters
 * on it. The tag is enrolled_agents.simulated (migration 3); an agent with no enrolled_agents
 * row (enrolled before the tag existed) is a real one.
 */

/** True for a computer alias `c` whose agent was enrolled for a simulation. */
export const IS_SIMULATED = (alias: string) =>
  `EXISTS (SELECT 1 FROM enrolled_agents e WHERE e.agent_id = ${alias}.agent_id AND e.simulated)`;

/** The console's default: real computers only. */
export const IS_REAL = (alias: string) => `NOT ${IS_SIMULATED(alias)}`;

/** The ids of every simulated agent (served by the partial index). */
export const SIMULATED_IDS = 'SELECT agent_id FROM enrolled_agents WHERE simulated';
