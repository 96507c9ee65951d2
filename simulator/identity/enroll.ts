import type { ClientHttp2Session } from 'node:http2';
import { Compile } from 'typebox/compile';
import { EnrollResponse } from '../../protocol/index.js';
import type { RunRecorder } from '../metrics/contract.js';
import { openSession } from '../transport/connect.js';
import { postJson } from '../transport/post-json.js';
import type { ProxyEndpoint } from '../transport/proxy-tunnel.js';
import type { TargetEndpoint } from '../transport/target.js';
import { timedRequest } from '../transport/timed-request.js';
import { createKeyAndCsr } from './keys.js';

const checkEnroll = Compile(EnrollResponse);

export interface EnrolledIdentity {
  readonly agentId: string;
  readonly keyPem: string;
  readonly certPem: string;
}

export interface EnrollmentOptions {
  readonly target: TargetEndpoint;
  readonly proxy?: ProxyEndpoint;
  readonly token: string;
  /** HTTP/2 sessions to spread enrollments over (ours: 4 keeps two cores busy). */
  readonly sessions?: number;
  /** Enrollments in flight at once, over all sessions. */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  /** Called after each enrollment (progress lines). */
  readonly onEnrolled?: (done: number) => void;
  /** Where each enroll request is reported (the report's per-endpoint split); none: nowhere. */
  readonly recorder?: RunRecorder;
}

export interface EnrollmentBatch {
  readonly identities: EnrolledIdentity[];
  /** The agent CA the server returned (the same for every agent of one deployment). */
  readonly agentCaPem: string;
}

export class EnrollmentError extends Error {
  override readonly name = 'EnrollmentError';
}

/**
 * Enrolls `count` new agents: key + CSR each, POST /v1/enroll, many at once over a few
 * HTTP/2 sessions (one handshake per session, not per agent), so 10,000 enrollments take
 * seconds rather than minutes. Fails on the first refusal: a bad token refuses them all.
 */
export async function enrollAgents(
  count: number,
  firstIndex: number,
  options: EnrollmentOptions,
): Promise<EnrollmentBatch> {
  const sessionCount = Math.max(1, Math.min(options.sessions ?? 4, count));
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const sessions: ClientHttp2Session[] = [];
  const identities: EnrolledIdentity[] = new Array(count);
  let agentCaPem = '';
  let next = 0;
  let done = 0;
  try {
    for (let i = 0; i < sessionCount; i++) {
      sessions.push(
        await openSession({
          target: options.target,
          ...(options.proxy ? { proxy: options.proxy } : {}),
          timeoutMs,
        }),
      );
    }
    const worker = async (lane: number) => {
      for (let slot = next++; slot < count; slot = next++) {
        const { keyPem, csrPem } = await createKeyAndCsr(`smc-sim-${firstIndex + slot}`);
        const session = sessions[(lane + slot) % sessions.length] as ClientHttp2Session;
        const request = JSON.stringify({ token: options.token, csr: csrPem });
        const reply = await timedRequest(options.recorder, 'enroll', request, () =>
          postJson(session, '/v1/enroll', request, timeoutMs),
        );
        const body = parseEnrollReply(reply.status, reply.body);
        identities[slot] = { agentId: body.agentId, keyPem, certPem: body.certificate };
        agentCaPem ||= body.caCertificate;
        options.onEnrolled?.(++done);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, (_, lane) => worker(lane)),
    );
  } finally {
    for (const session of sessions) session.close();
  }
  return { identities, agentCaPem };
}

function parseEnrollReply(status: number, text: string): EnrollResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new EnrollmentError(`enrollment failed: HTTP ${status}, body is not JSON`);
  }
  if (status !== 200) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new EnrollmentError(
      `enrollment refused: HTTP ${status} ${error?.code ?? ''} ${error?.message ?? ''}`.trim(),
    );
  }
  if (!checkEnroll.Check(body))
    throw new EnrollmentError('enrollment answer does not match EnrollResponse');
  return body as EnrollResponse;
}
