import { performance } from 'node:perf_hooks';
import type { EndpointName, RunRecorder } from '../metrics/contract.js';

/** What any of our POST helpers answers with (status and body are all the timing needs). */
interface Reply {
  readonly status: number;
  readonly body: string;
}

/**
 * Runs one request and reports it to `recorder` under `endpoint` (latency, 2xx or not, body
 * bytes each way), answered or not, so every endpoint the simulator calls shows in the
 * report's per-endpoint split. Without a recorder it only runs the request.
 */
export async function timedRequest<R extends Reply>(
  recorder: RunRecorder | undefined,
  endpoint: EndpointName,
  body: string,
  send: () => Promise<R>,
): Promise<R> {
  if (!recorder) return send();
  const startedAtMs = performance.now();
  const bytesSent = Buffer.byteLength(body);
  try {
    const reply = await send();
    recorder.recordRequest({
      endpoint,
      startedAtMs,
      doneAtMs: performance.now(),
      failed: reply.status < 200 || reply.status > 299,
      bytesSent,
      bytesReceived: Buffer.byteLength(reply.body),
    });
    return reply;
  } catch (error) {
    recorder.recordRequest({
      endpoint,
      startedAtMs,
      doneAtMs: performance.now(),
      failed: true,
      bytesSent,
      bytesReceived: 0,
    });
    throw error;
  }
}
