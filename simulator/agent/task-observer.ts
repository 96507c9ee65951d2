import type { VirtualAgent } from './agent.js';

/** Told when an agent takes a new task and when the server acknowledged its result. */
export interface TaskObserver {
  received(agent: VirtualAgent, taskId: string): void;
  resultAcknowledged(agent: VirtualAgent, taskId: string): void;
}
