import { Compile } from 'typebox/compile';
import { MdmEnrollResponse } from '../../protocol/index.js';
import { createKeyAndCsr } from '../identity/keys.js';
import type { RunRecorder } from '../metrics/contract.js';
import type { TargetEndpoint } from '../transport/target.js';
import { timedRequest } from '../transport/timed-request.js';
import type { DeviceProfile } from './device-profile.js';
import { HttpsPoster } from './https-post.js';
import type { DeviceIdentity } from './virtual-device.js';

const checkEnroll = Compile(MdmEnrollResponse);

export class DeviceEnrollmentError extends Error {
  override readonly name = 'DeviceEnrollmentError';
}

export interface DeviceEnrollmentOptions {
  /** The connector's enrollment listener (9980) and the CA that verifies it. */
  readonly enroll: TargetEndpoint;
  readonly token: string;
  /** Enrollments in flight at once (each its own key generation and TLS request). */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly onEnrolled?: (done: number) => void;
  /** Where each enroll request is reported (the report's per-endpoint split); none: nowhere. */
  readonly recorder?: RunRecorder;
}

/**
 * Enrolls one device per profile: a fresh P-256 key and CSR (the same hand-made encoder the
 * agents use), POST /mdm/v1/enroll with the MDM token and the device's model. Fails on the
 * first refusal: a bad or used-up token refuses them all.
 */
export async function enrollDevices(
  profiles: readonly DeviceProfile[],
  firstIndex: number,
  options: DeviceEnrollmentOptions,
): Promise<DeviceIdentity[]> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 32, profiles.length));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const poster = new HttpsPoster(options.enroll, concurrency);
  const identities: DeviceIdentity[] = new Array(profiles.length);
  let next = 0;
  let done = 0;
  try {
    const worker = async () => {
      for (let slot = next++; slot < profiles.length; slot = next++) {
        const profile = profiles[slot] as DeviceProfile;
        const { keyPem, csrPem } = await createKeyAndCsr(`smc-sim-device-${firstIndex + slot}`);
        const request = JSON.stringify({
          token: options.token,
          csr: csrPem,
          device: {
            platform: profile.platform,
            osVersion: profile.osVersion,
            model: profile.model,
          },
        });
        const reply = await timedRequest(options.recorder, 'mdm_enroll', request, () =>
          poster.post('/mdm/v1/enroll', request, timeoutMs),
        );
        const body = parseEnrollReply(reply.status, reply.body);
        identities[slot] = {
          deviceId: body.deviceId,
          keyPem,
          certPem: body.certificate,
          next: body.next,
        };
        options.onEnrolled?.(++done);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    poster.close();
  }
  return identities;
}

function parseEnrollReply(status: number, text: string): MdmEnrollResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DeviceEnrollmentError(`device enrollment failed: HTTP ${status}, body is not JSON`);
  }
  if (status !== 200) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new DeviceEnrollmentError(
      `--mdm-enroll-token: device enrollment refused: HTTP ${status} ${error?.code ?? ''} ${error?.message ?? ''}`.trim(),
    );
  }
  if (!checkEnroll.Check(body))
    throw new DeviceEnrollmentError('device enrollment answer does not match MdmEnrollResponse');
  return body as MdmEnrollResponse;
}
