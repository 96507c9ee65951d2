import type { MdmCommandResult } from '../../protocol/index.js';
import type { DeviceProfile } from './device-profile.js';

/** A device's key and certificate from enrollment (the certificate's CN is `deviceId`). */
export interface DeviceIdentity {
  readonly deviceId: string;
  readonly keyPem: string;
  readonly certPem: string;
  /** The check-in schedule the connector gave at enrollment, in schedule seconds. */
  readonly next?: { readonly intervalSeconds: number; readonly jitterSeconds: number };
}

/**
 * One simulated phone, kept small: identity and profile are shared references, the rest is
 * a few numbers and the results waiting for the next check-in.
 */
export class VirtualDevice {
  /** Results of commands handed out by earlier check-ins, sent (and cleared) by the next ok one. */
  pendingResults: MdmCommandResult[] = [];
  checkIns = 0;
  commandsReceived = 0;
  batteryLevel: number;
  /** When the current timetable slot was due (latency counts from here, not from the send). */
  dueAtMs = 0;
  /** The connector's last word on the schedule, schedule ms (0: not told, use the run's own). */
  serverIntervalMs = 0;
  serverJitterMs = 0;

  constructor(
    readonly index: number,
    readonly identity: DeviceIdentity,
    readonly profile: DeviceProfile,
  ) {
    // 30..99 %: the battery drains between check-ins and recharges overnight (see drainBattery).
    this.batteryLevel = 30 + (index % 70);
    if (identity.next) this.followSchedule(identity.next);
  }

  /** A device checks in when its connector says (the connector stretches it for large fleets). */
  followSchedule(next: { readonly intervalSeconds: number; readonly jitterSeconds: number }): void {
    this.serverIntervalMs = next.intervalSeconds * 1_000;
    this.serverJitterMs = next.jitterSeconds * 1_000;
  }

  /** One step of battery life: down a point per check-in, back to full below 15 %. */
  drainBattery(): { level: number; charging: boolean } {
    this.batteryLevel = this.batteryLevel <= 15 ? 100 : this.batteryLevel - 1;
    return { level: this.batteryLevel, charging: this.batteryLevel === 100 };
  }
}
