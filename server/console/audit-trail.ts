import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';

/**
 * Records every admin action on the console API in `console_audit` (migration 7): changes
 * only (not reads), answered or refused. Read-only POSTs (the simulator's log audit) are
 * not actions. The write happens after the answer left, so it never slows the action, and a
 * failed write is logged, never turned into the action's error.
 */
const READ_ONLY_POSTS = new Set(['/api/log-audit']);
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Fields that must never land in the trail. */
const SECRET = /token|csr|key|password|secret/i;
const MAX_SUMMARY_CHARS = 2_048;

export function installAuditTrail(app: FastifyInstance, pool: pg.Pool): void {
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (!CHANGES.has(request.method) || !path.startsWith('/api/')) return;
    if (READ_ONLY_POSTS.has(path)) return;
    // Refused for want of the token: not an admin's action (and would let anyone fill the table).
    if (reply.statusCode === 401) return;
    try {
      await pool.query(
        `INSERT INTO console_audit (method, route, path, status, remote, summary)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          request.method,
          request.routeOptions.url ?? path,
          path.slice(0, 512),
          reply.statusCode,
          request.ip,
          summarize(request),
        ],
      );
    } catch (error) {
      request.log.error({ err: error }, 'could not record the console action in the audit trail');
    }
  });
}

/** A bounded, secret-free picture of what was asked: long arrays become their length. */
export function summarize(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (SECRET.test(key)) continue;
    out[key] = Array.isArray(value) && value.length > 5 ? `${value.length} items` : value;
  }
  const text = JSON.stringify(out);
  return text.length <= MAX_SUMMARY_CHARS
    ? out
    : { truncated: true, fields: Object.keys(out).slice(0, 50) };
}
