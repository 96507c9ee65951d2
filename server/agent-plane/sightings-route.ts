import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { ErrorBody, SightingsRequest, SightingsResponse } from '../../protocol/index.js';
import type { RevokedAgents } from '../cache/revocations.js';
import { ApiError } from '../http/errors.js';
import { SENSOR_CERTIFICATE_UNIT } from '../pki/layout.js';
import { enrolledKindOf, storeSightings } from '../rogue/sightings-store.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { peerAgentId, peerCertificateUnit } from './peer-identity.js';
import { authenticate } from './replicate-route.js';

export interface SightingsDeps {
  readonly pool: pg.Pool;
  readonly revoked: RevokedAgents;
  readonly telemetry: ServerTelemetry;
}

/** Sensors a server node has checked; an enrollment's kind never changes, so it is read once. */
const MAX_CACHED_SENSORS = 10_000;

/**
 * POST /v1/sightings: a Rogue Detection Sensor reports machines it found on its network. Only
 * an agent the server enrolled with an `rd-sensor` token may (the server's own record, never a
 * field the peer sends), or one whose certificate the deployment issued with OU rd-sensor, so an ordinary agent's certificate cannot fill the rogue list. Bodies
 * are validated to what the table takes (protocol/rogue-detection.ts); a MAC twice in one body
 * is refused, naming the second, since one statement cannot update a row twice.
 */
export function registerSightingsRoute(app: FastifyInstance, deps: SightingsDeps): void {
  const sensors = new Map<string, { agentId: string; simulated: boolean }>();
  app.post<{ Body: SightingsRequest }>(
    '/v1/sightings',
    {
      schema: {
        body: SightingsRequest,
        response: { 200: SightingsResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
      onRequest: async (request) => {
        authenticate(request, deps);
      },
    },
    async (request) => {
      const agentId = peerAgentId(request) as string;
      let sensor = sensors.get(agentId);
      if (!sensor) {
        const recorded = await enrolledKindOf(deps.pool, agentId);
        // A sensor the deployment issued (OU rd-sensor, only the CA key can write it) may report
        // before its first session's kind is recorded (provisioned-connectors.ts).
        const enrolled =
          !recorded && peerCertificateUnit(request) === SENSOR_CERTIFICATE_UNIT
            ? { kind: 'rd-sensor', simulated: false }
            : recorded;
        if (enrolled?.kind !== 'rd-sensor') {
          deps.telemetry.refused('rejected');
          throw new ApiError(
            'SMC_FORBIDDEN',
            `agent ${agentId} was not enrolled as a Rogue Detection Sensor (enroll it with a token of kind rd-sensor)`,
          );
        }
        sensor = { agentId, simulated: enrolled.simulated };
        if (sensors.size >= MAX_CACHED_SENSORS) sensors.clear();
        sensors.set(agentId, sensor);
      }
      const sightings = request.body.sightings;
      const seen = new Set<string>();
      for (let i = 0; i < sightings.length; i++) {
        const mac = sightings[i]?.mac as string;
        if (seen.has(mac))
          throw new ApiError(
            'SMC_BAD_BODY',
            `/sightings/${i}/mac ${mac} appears twice in this request`,
            `/sightings/${i}/mac`,
          );
        seen.add(mac);
      }
      return { stored: await storeSightings(deps.pool, sensor, sightings) };
    },
  );
}
