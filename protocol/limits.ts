/**
 * Limits of protocol v1, shared by the server (which enforces them) and the simulator (which
 * stays inside them). Ours: sized so the guide's payloads (a large policy ~26 kB, tasks ~4 kB)
 * fit with room, and one misbehaving agent cannot occupy a flush batch.
 */
export const PROTOCOL_VERSION = 1;

/** Default TCP ports (esmc-facts.md, "Ports"). */
export const DEFAULT_AGENT_PORT = 2222;
export const DEFAULT_CONSOLE_PORT = 2223;

/** Largest request body the agent plane reads; more is 413. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Logs in one replication; an agent with more sends them over several replications. */
export const MAX_LOGS_PER_REPLICATION = 500;
/** One log's `data`, serialised as JSON (DESIGN: at most 16 KiB). */
export const MAX_LOG_DATA_BYTES = 16 * 1024;
export const MAX_TASK_RESULTS_PER_REPLICATION = 200;
export const MAX_SOFTWARE_ITEMS = 5_000;
/** Tasks handed to one agent in one response; the rest come on the next replication. */
export const MAX_TASKS_PER_RESPONSE = 50;
export const MAX_SHORT_TEXT = 256;
export const MAX_HOSTNAME = 253;
export const MAX_DETAIL_TEXT = 4_096;
export const MAX_CSR_PEM = 8_192;
