import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MdmEnrollRequest, MdmEnrollResponse } from '../../protocol/index.js';
import { hashToken, newEnrollmentToken } from '../enrollment/tokens.js';
import { ApiError } from '../http/errors.js';
import { type AgentCertificateAuthority, PkiError } from '../pki/index.js';
import type { CheckInPolicy } from './check-in-policy.js';

/**
 * MDM enrollment tokens (made on the connector's console API) and device certificates, signed
 * by the connector's own device CA: a device certificate is worthless on the management
 * server's agent plane, and an agent certificate is worthless here.
 */
export class DeviceEnrollment {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ca: AgentCertificateAuthority,
    private readonly schedule: CheckInPolicy,
    /** Told after each enrollment committed (the device count sizes the interval). */
    private readonly onEnrolled: () => void = () => schedule.deviceEnrolled(),
  ) {}

  async createToken(
    uses: number,
    ttlSeconds: number,
  ): Promise<{ token: string; uses: number; expiresAt: string }> {
    const { token, hash } = newEnrollmentToken();
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      `INSERT INTO mdm.enrollment_tokens (token_hash, uses_left, uses_total, expires_at)
       VALUES ($1, $2, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
      [hash, uses, ttlSeconds],
    );
    const expiresAt = rows[0]?.expires_at;
    if (!expiresAt) throw new Error('MDM enrollment token was not stored');
    return { token, uses, expiresAt: expiresAt.toISOString() };
  }

  /** Signs first (a bad CSR must not burn a use), then spends a use and records the device. */
  async enroll(request: MdmEnrollRequest): Promise<MdmEnrollResponse> {
    const deviceId = randomUUID();
    let certificate: string;
    try {
      certificate = await this.ca.signAgentCsr(request.csr, deviceId);
    } catch (error) {
      if (error instanceof PkiError) throw new ApiError('SMC_BAD_BODY', error.message, '/csr');
      throw error;
    }
    const hash = hashToken(request.token);
    const { platform, osVersion, model } = request.device;
    const spent = await this.pool.query(
      `WITH t AS (
         UPDATE mdm.enrollment_tokens SET uses_left = uses_left - 1
         WHERE token_hash = $1 AND uses_left > 0 AND expires_at > now() RETURNING token_hash)
       INSERT INTO mdm.devices (id, platform, os_version, model, token_hash)
       SELECT $2, $3, $4, $5, token_hash FROM t RETURNING id`,
      [hash, deviceId, platform, osVersion, model],
    );
    if (spent.rowCount === 0) throw await this.whyRefused(hash);
    this.onEnrolled();
    return { deviceId, certificate, caCertificate: this.ca.caCertPem, next: this.schedule.next() };
  }

  private async whyRefused(hash: string): Promise<ApiError> {
    const { rows } = await this.pool.query<{ expired: boolean }>(
      'SELECT expires_at <= now() AS expired FROM mdm.enrollment_tokens WHERE token_hash = $1',
      [hash],
    );
    const row = rows[0];
    const reason = !row ? 'is not known' : row.expired ? 'has expired' : 'has no uses left';
    return new ApiError('SMC_TOKEN_INVALID', `MDM enrollment token ${reason}`, '/token');
  }
}
