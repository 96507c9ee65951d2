import type { FastifyInstance } from 'fastify';
import {
  CheckInRequest,
  CheckInResponse,
  ErrorBody,
  MdmEnrollRequest,
  MdmEnrollResponse,
} from '../../../protocol/index.js';
import { peerAgentId } from '../../agent-plane/peer-identity.js';
import { ApiError } from '../../http/errors.js';
import type { CheckInService } from '../check-in-service.js';
import type { DeviceEnrollment } from '../device-enrollment.js';
import type { ConnectorTelemetry } from '../telemetry/connector-telemetry.js';

/** POST /mdm/v1/enroll on the enrollment port: a token, a CSR and the device model. */
export function registerDeviceEnrollRoute(
  app: FastifyInstance,
  deps: { enrollment: DeviceEnrollment; telemetry: ConnectorTelemetry },
): void {
  app.post<{ Body: MdmEnrollRequest }>(
    '/mdm/v1/enroll',
    {
      schema: {
        body: MdmEnrollRequest,
        response: { 200: MdmEnrollResponse, 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      try {
        const answer = await deps.enrollment.enroll(request.body);
        deps.telemetry.enrolled(true);
        return answer;
      } catch (error) {
        deps.telemetry.enrolled(false);
        throw error;
      }
    },
  );
}

/** POST /mdm/v1/check-in on the device port (mutual TLS with the device certificate). */
export function registerCheckInRoute(
  app: FastifyInstance,
  deps: { checkIns: CheckInService; telemetry: ConnectorTelemetry },
): void {
  app.post<{ Body: CheckInRequest }>(
    '/mdm/v1/check-in',
    {
      schema: {
        body: CheckInRequest,
        response: {
          200: CheckInResponse,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          503: ErrorBody,
        },
      },
      // Identity before parsing: a peer without a device certificate never costs a body parse.
      onRequest: async (request) => {
        if (peerAgentId(request) === null) {
          deps.telemetry.refusedCheckIn();
          throw new ApiError(
            'SMC_UNAUTHENTICATED',
            'a device certificate issued at MDM enrollment is required',
          );
        }
      },
    },
    async (request) => {
      const deviceId = peerAgentId(request) as string;
      if (request.body.device.id !== deviceId) {
        deps.telemetry.refusedCheckIn();
        throw new ApiError(
          'SMC_FORBIDDEN',
          `device.id ${request.body.device.id} is not the certificate's device`,
          '/device/id',
        );
      }
      return deps.checkIns.checkIn(deviceId, request.body);
    },
  );
}
