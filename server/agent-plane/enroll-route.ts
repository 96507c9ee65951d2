import type { FastifyInstance } from 'fastify';
import { EnrollRequest, EnrollResponse, ErrorBody } from '../../protocol/index.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';

/** POST /v1/enroll: server-auth TLS only; a token and a CSR buy an agent certificate. */
export function registerEnrollRoute(
  app: FastifyInstance,
  deps: { enrollment: EnrollmentService; telemetry: ServerTelemetry },
): void {
  app.post<{ Body: EnrollRequest }>(
    '/v1/enroll',
    {
      schema: {
        body: EnrollRequest,
        response: { 200: EnrollResponse, 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const result = await deps.enrollment.enroll(request.body.token, request.body.csr);
      deps.telemetry.enrollments.inc();
      return result;
    },
  );
}
