import { createHash } from 'node:crypto';
import type {
  CheckInRequest,
  CheckInResponse,
  MdmCommand,
  MdmCommandResult,
  MdmEnrollResponse,
} from '../../../protocol/index.js';
import { type HttpResult, httpsJson } from '../../support/agent-client.js';
import { makeAgentCsr } from '../pki/make-agent-csr.js';

/**
 * A test phone: its own key and device certificate, check-ins over mutual TLS (HTTP/1.1), and
 * a memory of every command it was handed, so tests can count deliveries.
 */
export class TestDevice {
  /** Every command handed to this device, in order (a duplicate would show here). */
  readonly received: MdmCommand[] = [];
  /** Results waiting for the next check-in. */
  private results: MdmCommandResult[] = [];

  private constructor(
    readonly deviceUrl: string,
    readonly id: string,
    readonly cert: string,
    readonly key: string,
    readonly ca: string,
    readonly platform: 'android' | 'ios',
  ) {}

  static async enroll(
    connector: { enrollUrl: string; deviceUrl: string; caCertPem: string },
    token: string,
    platform: 'android' | 'ios' = 'android',
  ): Promise<TestDevice> {
    const res = await TestDevice.tryEnroll(connector, token, platform);
    if (res.status !== 200) throw new Error(`enroll: ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as MdmEnrollResponse & { key: string };
    return new TestDevice(
      connector.deviceUrl,
      body.deviceId,
      body.certificate,
      body.key,
      connector.caCertPem,
      platform,
    );
  }

  static async tryEnroll(
    connector: { enrollUrl: string; caCertPem: string },
    token: string,
    platform: 'android' | 'ios' = 'android',
  ): Promise<HttpResult<unknown>> {
    const { csrPem, privateKeyPem } = await makeAgentCsr();
    const res = await httpsJson<MdmEnrollResponse>(`${connector.enrollUrl}/mdm/v1/enroll`, {
      ca: connector.caCertPem,
      body: {
        token,
        csr: csrPem,
        device: { platform, osVersion: platform === 'ios' ? '17.4' : '14', model: 'Pixel 8' },
      },
    });
    return { ...res, body: res.status === 200 ? { ...res.body, key: privateKeyPem } : res.body };
  }

  /** A valid check-in body for this device (results of earlier commands included). */
  body(overrides: Partial<CheckInRequest> = {}): CheckInRequest {
    return {
      device: {
        id: this.id,
        platform: this.platform,
        osVersion: this.platform === 'ios' ? '17.4' : '14',
        model: 'Pixel 8',
      },
      status: {
        battery: { level: 80, charging: false },
        encrypted: true,
        appListHash: createHash('sha256').update(`apps-${this.id}`).digest('hex'),
      },
      commandResults: this.results,
      ...overrides,
    };
  }

  /** Raw check-in with any body (for refusal tests); does not touch the command memory. */
  post<T = unknown>(body: unknown, as: TestDevice = this): Promise<HttpResult<T>> {
    return httpsJson<T>(`${this.deviceUrl}/mdm/v1/check-in`, {
      ca: this.ca,
      cert: as.cert,
      key: as.key,
      body,
    });
  }

  /**
   * One check-in: sends pending results, remembers the commands handed over and answers each
   * with `done` for the next check-in (a `locate` answers with a position).
   */
  async checkIn(): Promise<CheckInResponse> {
    const res = await this.post<CheckInResponse>(this.body());
    if (res.status !== 200) throw new Error(`check-in: ${res.status} ${JSON.stringify(res.body)}`);
    this.results = [];
    const time = new Date().toISOString();
    for (const command of res.body.commands) {
      this.received.push(command);
      this.results.push({
        commandId: command.id,
        state: 'done',
        time,
        detail: `${command.type} done`,
        ...(command.type === 'locate'
          ? { location: { latitude: 48.15, longitude: 17.11, accuracyMeters: 12, time } }
          : {}),
      });
    }
    return res.body;
  }

  /** Points the same identity at another device URL (a restarted connector on a new port). */
  at(deviceUrl: string): TestDevice {
    const moved = new TestDevice(deviceUrl, this.id, this.cert, this.key, this.ca, this.platform);
    moved.received.push(...this.received);
    moved.results = this.results;
    return moved;
  }
}
