import type { DeviceIdentity } from '../../simulator/index.js';
import { type DeviceProfile, deviceProfile, enrollDevices } from '../../simulator/index.js';
import type { MdmStack } from './mdm-stack.js';

/** The fleet's seed: device 4711 is the same phone in every run and part. */
export const FLEET_SEED = 1;
/** ours: as `smc simulate --android-ratio`'s default. */
const ANDROID_RATIO = 0.7;
/** Enrollments in flight (each a P-256 key here, a signature and an INSERT on the connector). */
const ENROLL_CONCURRENCY = 32;
const ENROLL_TIMEOUT_MS = 30_000;

export interface EnrolledFleet {
  readonly profiles: readonly DeviceProfile[];
  readonly identities: readonly DeviceIdentity[];
  readonly seconds: number;
  readonly perSecond: number;
}

/** Enrolls `count` seeded phones on the stack's connector; progress on stderr every 10 %. */
export async function enrollFleet(
  stack: MdmStack,
  count: number,
  log: (line: string) => void,
): Promise<EnrolledFleet> {
  const profiles = Array.from({ length: count }, (_, index) =>
    deviceProfile(FLEET_SEED, index, ANDROID_RATIO),
  );
  const token = await stack.connector.createDeviceToken(count);
  const tenth = Math.max(1, Math.ceil(count / 10));
  const started = performance.now();
  const identities = await enrollDevices(profiles, 0, {
    enroll: stack.enrollTarget,
    token,
    concurrency: ENROLL_CONCURRENCY,
    timeoutMs: ENROLL_TIMEOUT_MS,
    onEnrolled: (done) => {
      if (done % tenth === 0 || done === count) {
        const seconds = (performance.now() - started) / 1_000;
        log(
          `  enrolled ${done.toLocaleString('en')}/${count.toLocaleString('en')} devices (${seconds.toFixed(0)} s, ${(done / seconds).toFixed(0)}/s)`,
        );
      }
    },
  });
  const seconds = (performance.now() - started) / 1_000;
  return {
    profiles,
    identities,
    seconds: round1(seconds),
    perSecond: round1(count / seconds),
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
