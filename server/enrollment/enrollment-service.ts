import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { EnrollmentKind, EnrollResponse } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import { type AgentCertificateAuthority, PkiError } from '../pki/index.js';
import { EnrollmentBatcher } from './enrollment-batcher.js';
import { hashToken, newEnrollmentToken } from './tokens.js';

/** Enrollment tokens (made on the console API) and CSR signing for new agents. */
export class EnrollmentService {
  private readonly batcher: EnrollmentBatcher;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ca: AgentCertificateAuthority,
  ) {
    this.batcher = new EnrollmentBatcher(pool);
  }

  /**
   * `kind`: what the enrolled agents are (migration 4); `simulation`: every agent enrolled with
   * this token is tagged simulated (migration 6).
   */
  async createToken(
    uses: number,
    ttlSeconds: number,
    options: { kind?: EnrollmentKind; simulation?: boolean } = {},
  ): Promise<{
    token: string;
    uses: number;
    expiresAt: string;
    kind: EnrollmentKind;
    simulation: boolean;
  }> {
    const kind = options.kind ?? 'agent';
    const simulation = options.simulation === true;
    const { token, hash } = newEnrollmentToken();
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      `INSERT INTO enrollment_tokens (token_hash, uses_left, uses_total, expires_at, kind, simulation)
       VALUES ($1, $2, $2, now() + make_interval(secs => $3), $4, $5) RETURNING expires_at`,
      [hash, uses, ttlSeconds, kind, simulation],
    );
    const expiresAt = rows[0]?.expires_at;
    if (!expiresAt) throw new Error('enrollment token was not stored');
    return { token, uses, expiresAt: expiresAt.toISOString(), kind, simulation };
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
    const kind = await this.batcher.spend(hash, agentId);
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
