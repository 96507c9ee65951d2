/** Where wake-ups are published: the embedded broker, or the deployment's own (Mosquitto). */
export interface PushTarget {
  readonly url: string;
  /** False while the broker is stopped or unreachable: wake-ups are skipped, not queued. */
  readonly running: boolean;
  /** Sessions held (0 when the broker does not say). */
  readonly sessions: number;
  /** Sessions subscribed to their wake-up topic (0 when the broker does not say). */
  readonly subscribers: number;
  /** The agents connected now, or null when the broker does not say (then all are woken). */
  connectedAgents(): string[] | null;
  publish(topic: string, payload: string): Promise<void>;
  stop(): Promise<void>;
}
