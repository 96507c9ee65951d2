import type { ConsoleEndpoint } from '../simulator/identity/console-client.js';
import type { SizingPlan } from '../sizing/index.js';
import type { RehearsalFeed } from './feed.js';
import type { GeneratorPool } from './generator/pool.js';
import type { ProcessWatch } from './process-watch.js';

/** What every phase of a rehearsal works with. */
export interface RehearsalContext {
  readonly plan: SizingPlan;
  /**
   * Agents the measured phases play: the plan's clients, less any that could not open a
   * session in the warm-up (a machine whose limits stop short of the plan).
   */
  readonly agents: number;
  readonly pool: GeneratorPool;
  /** The server child and its PostgreSQL, watched from /proc. */
  readonly watch: ProcessWatch;
  /** The server child's console API. */
  readonly console: ConsoleEndpoint;
  readonly feed: RehearsalFeed;
  /** The server child's agent-plane port (its sessions are counted there). */
  readonly agentPort: number;
  /** ...and the address it listens on (sessions are counted by both). */
  readonly agentHost: string;
  readonly log: (line: string) => void;
}
