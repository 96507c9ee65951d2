import type { ClientHttp2Session } from 'node:http2';
import { MAX_SIGHTINGS_PER_REQUEST, type Sighting } from '../../protocol/index.js';
import { type ConsoleEndpoint, createEnrollmentToken } from '../identity/console-client.js';
import { enrollAgents } from '../identity/enroll.js';
import type { RunRecorder } from '../metrics/contract.js';
import { openSession } from '../transport/connect.js';
import { postJson } from '../transport/post-json.js';
import type { ProxyEndpoint } from '../transport/proxy-tunnel.js';
import type { TargetEndpoint } from '../transport/target.js';
import { timedRequest } from '../transport/timed-request.js';

/** ours: one sensor per network of up to this many machines (a /22 office LAN). */
export const MACHINES_PER_SENSOR = 1_000;

export interface SensorReportOutcome {
  readonly sensors: number;
  readonly reported: number;
  readonly requests: number;
  readonly seconds: number;
}

/**
 * Plays Rogue Detection Sensors as the real one talks: each enrolls with its own key and a
 * token of kind rd-sensor (a simulation token, so `purge-simulated` removes what they report),
 * then posts its network's machines over mutual TLS, at most MAX_SIGHTINGS_PER_REQUEST a request,
 * each once. Machines are dealt to sensors in order, MACHINES_PER_SENSOR each.
 */
export async function reportSightings(options: {
  readonly target: TargetEndpoint;
  readonly proxy?: ProxyEndpoint;
  readonly console: ConsoleEndpoint;
  readonly sightings: readonly Sighting[];
  readonly timeoutMs: number;
  /** Where the sensors' enroll and sightings requests are reported; none: nowhere. */
  readonly recorder?: RunRecorder;
}): Promise<SensorReportOutcome> {
  const started = performance.now();
  const sensorCount = Math.max(1, Math.ceil(options.sightings.length / MACHINES_PER_SENSOR));
  const token = await createEnrollmentToken(options.console, sensorCount, { kind: 'rd-sensor' });
  const { identities } = await enrollAgents(sensorCount, 0, {
    target: options.target,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    token,
    sessions: 1,
    timeoutMs: options.timeoutMs,
    ...(options.recorder ? { recorder: options.recorder } : {}),
  });
  let requests = 0;
  await Promise.all(
    identities.map(async (identity, s) => {
      const mine = options.sightings.slice(s * MACHINES_PER_SENSOR, (s + 1) * MACHINES_PER_SENSOR);
      let session: ClientHttp2Session | undefined;
      try {
        session = await openSession({
          target: options.target,
          identity,
          ...(options.proxy ? { proxy: options.proxy } : {}),
          timeoutMs: options.timeoutMs,
        });
        for (let at = 0; at < mine.length; at += MAX_SIGHTINGS_PER_REQUEST) {
          const batch = mine.slice(at, at + MAX_SIGHTINGS_PER_REQUEST);
          const open = session;
          const request = JSON.stringify({ sightings: batch });
          const reply = await timedRequest(options.recorder, 'sightings', request, () =>
            postJson(open, '/v1/sightings', request, options.timeoutMs),
          );
          requests++;
          if (reply.status !== 200)
            throw new Error(
              `--rogues: sensor ${identity.agentId} was answered ${reply.status}: ${reply.body.slice(0, 300)}`,
            );
        }
      } finally {
        session?.close();
      }
    }),
  );
  return {
    sensors: sensorCount,
    reported: options.sightings.length,
    requests,
    seconds: (performance.now() - started) / 1_000,
  };
}
