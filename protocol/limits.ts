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

/*
 * What PostgreSQL and a JavaScript number can both hold exactly. A value past these is
 * refused (400 naming the field), never rounded or truncated on its way into the database.
 */
/** `bigint` columns read into JavaScript numbers (seq, uptime, audit positions): 2^53 - 1. */
export const MAX_EXACT_INTEGER = Number.MAX_SAFE_INTEGER;
/** `integer` columns (policy versions): 2^31 - 1. */
export const MAX_INT4 = 2_147_483_647;
/** Deepest nesting of a JSON body (objects and arrays, the body itself is level 1). Ours: log
 *  data, policy settings and task parameters nest a few levels; 5,000 levels overflowed stacks. */
export const MAX_JSON_DEPTH = 64;
/** Values (objects, arrays, strings, numbers, literals) in one JSON body. Ours: a full
 *  replication (500 logs, 5,000 software items) is well under 50,000; this bounds what one
 *  body costs once parsed (about 80 bytes a value) whatever its byte size. */
export const MAX_JSON_VALUES = 250_000;
/** Pages of a console listing (page x pageSize stays an exact offset). Ours. */
export const MAX_PAGE = 1_000_000;
