import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { EnrollmentKind, EnrollResponse } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import { type AgentCertificateAuthority, PkiError } from '../pki/index.js';
import { hashToken, newEnrollmentToken } from './tokens.js';

/** Enrollment tokens (made on the console API) and CSR signing for new agents. */
export class EnrollmentService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ca: AgentCertificateAuthority,
  ) {}

  async createToken(
    uses: number,
    ttlSeconds: number,
    kind: EnrollmentKind = 'agent',
  ): Promise<{ token: string; uses: number; expiresAt: string; kind: EnrollmentKind }> {
    const { token, hash } = newEnrollmentToken();
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      `INSERT INTO enrollment_tokens (token_hash, uses_left, uses_total, expires_at, kind)
       VALUES ($1, $2, $2, now() + make_interval(secs => $3), $4) RETURNING expires_at`,
      [hash, uses, ttlSeconds, kind],
    );
    const expiresAt = rows[0]?.expires_at;
    if (!expiresAt) throw new Error('enrollment token was not stored');
    return { token, uses, expiresAt: expiresAt.toISOString(), kind };
  }

  /** Spends one use of the token, then signs the CSR for a new agent id. */
  async enroll(token: string, csrPem: string): Promise<EnrollResponse> {
    const hash = hashToken(token);
    const agentId = randomUUID();
    // Sign first (CPU only): a bad CSR must not burn a use of the token.
    let certificate: string;
    try {
      certificate = await this.ca.signAgentCsr(csrPem, agentId);
    } catch (error) {
      if (error instanceof PkiError) throw new ApiError('SMC_BAD_BODY', error.message, '/csr');
      throw error;
    }
    // The token's kind is recorded with the agent: the server's own fact about what it is.
    const spent = await this.pool.query<{ kind: EnrollmentKind }>(
      `WITH t AS (
         UPDATE enrollment_tokens SET uses_left = uses_left - 1
         WHERE token_hash = $1 AND uses_left > 0 AND expires_at > now() RETURNING token_hash, kind)
       INSERT INTO enrolled_agents (agent_id, token_hash, kind) SELECT $2, token_hash, kind FROM t
       RETURNING kind`,
      [hash, agentId],
    );
    const kind = spent.rows[0]?.kind;
    if (!kind) throw await this.whyRefused(hash);
    return { agentId, certificate, caCertificate: this.ca.caCertPem, kind };
  }

  private async whyRefused(hash: string): Promise<ApiError> {
    const { rows } = await this.pool.query<{ uses_left: number; expired: boolean }>(
      'SELECT uses_left, expires_at <= now() AS expired FROM enrollment_tokens WHERE token_hash = $1',
      [hash],
    );
    const row = rows[0];
    const reason = !row ? 'is not known' : row.expired ? 'has expired' : 'has no uses left';
    return new ApiError('SMC_TOKEN_INVALID', `enrollment token ${reason}`, '/token');
  }
}
