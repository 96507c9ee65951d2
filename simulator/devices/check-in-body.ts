import {
  type CheckInRequest,
  type DeviceLocation,
  MAX_COMMAND_RESULTS_PER_CHECK_IN,
  type MdmCommand,
  type MdmCommandResult,
} from '../../protocol/index.js';
import { unitDraw } from '../random.js';
import type { VirtualDevice } from './virtual-device.js';

/** Salt for location wobble draws. */
const LOCATION_SALT = 0x6c6f63;

/** Where the device is now: near home, a seeded wobble per check-in (about a kilometre). */
export function currentLocation(device: VirtualDevice, seed: number, time: string): DeviceLocation {
  const { home } = device.profile;
  const wobble = (k: number) =>
    (unitDraw(seed, device.index, LOCATION_SALT, device.checkIns, k) - 0.5) / 50;
  return {
    latitude: Math.max(-90, Math.min(90, home.latitude + wobble(1))),
    longitude: Math.max(-180, Math.min(180, home.longitude + wobble(2))),
    accuracyMeters:
      5 + Math.round(unitDraw(seed, device.index, LOCATION_SALT, device.checkIns, 3) * 45),
    time,
  };
}

/** The check-in body: who the device is, its status, and the results it still owes. */
export function checkInBody(device: VirtualDevice, seed: number): CheckInRequest {
  const { profile } = device;
  const time = new Date().toISOString();
  return {
    device: {
      id: device.identity.deviceId,
      platform: profile.platform,
      osVersion: profile.osVersion,
      model: profile.model,
    },
    status: {
      battery: device.drainBattery(),
      encrypted: profile.encrypted,
      ...(profile.locationAllowed ? { location: currentLocation(device, seed, time) } : {}),
      appListHash: profile.appListHash,
    },
    // The protocol bounds results per check-in; the rest go next time.
    commandResults: device.pendingResults.slice(0, MAX_COMMAND_RESULTS_PER_CHECK_IN),
  };
}

/**
 * What the device does with a command: everything succeeds except a `wipe`, which a simulated
 * phone refuses (it would lose its identity and leave the run); `locate` answers with a position
 * even when routine location reporting is off, as MDM locate does.
 */
export function handleCommand(
  device: VirtualDevice,
  command: MdmCommand,
  seed: number,
): MdmCommandResult {
  const time = new Date().toISOString();
  if (command.type === 'wipe') {
    return {
      commandId: command.id,
      state: 'failed',
      time,
      detail: 'wipe refused by the simulator: the device would leave the run',
    };
  }
  return {
    commandId: command.id,
    state: 'done',
    time,
    detail: `${command.type} done`,
    ...(command.type === 'locate' ? { location: currentLocation(device, seed, time) } : {}),
  };
}
