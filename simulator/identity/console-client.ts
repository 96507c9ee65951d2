import { request } from 'node:https';
import { Compile } from 'typebox/compile';
import {
  type EnrollmentKind,
  EnrollmentTokenResponse,
  LogAuditResponse,
  MAX_LOG_AUDIT_AGENTS,
} from '../../protocol/index.js';

/** The console API (port 2223): bearer admin token, verified with the deployment's CA. */
export interface ConsoleEndpoint {
  readonly url: string;
  readonly adminToken: string;
  readonly caPem: string;
}

const checkToken = Compile(EnrollmentTokenResponse);
const checkAudit = Compile(LogAuditResponse);

export class ConsoleApiError extends Error {
  override readonly name = 'ConsoleApiError';
}

/** Makes an enrollment token good for `uses` enrollments over the next hour. */
export async function createEnrollmentToken(
  console: ConsoleEndpoint,
  uses: number,
  options: { readonly kind?: EnrollmentKind } = {},
): Promise<string> {
  // The simulator's agents are simulated: the server tags them (console views leave them out,
  // `smc admin purge-simulated` removes them).
  const body = await postConsole(console, '/api/enrollment-tokens', {
    uses,
    ttlSeconds: 3_600,
    simulation: true,
    ...(options.kind ? { kind: options.kind } : {}),
  });
  if (!checkToken.Check(body))
    throw new ConsoleApiError('console: enrollment token answer has the wrong shape');
  return (body as EnrollmentTokenResponse).token;
}

export type AuditAnswer = LogAuditResponse['agents'][number];

/**
 * For each agent and seq range, how many logs the server holds and their content digest, in
 * the order asked (batched to the API's limit).
 */
export async function auditStoredLogs(
  console: ConsoleEndpoint,
  ranges: readonly { agentId: string; from: number; through: number }[],
): Promise<AuditAnswer[]> {
  const answers: AuditAnswer[] = [];
  for (let at = 0; at < ranges.length; at += MAX_LOG_AUDIT_AGENTS) {
    const asked = ranges.slice(at, at + MAX_LOG_AUDIT_AGENTS);
    const body = await postConsole(console, '/api/log-audit', { agents: asked });
    if (!checkAudit.Check(body) || (body as LogAuditResponse).agents.length !== asked.length)
      throw new ConsoleApiError('console: log audit answer has the wrong shape');
    answers.push(...(body as LogAuditResponse).agents);
  }
  return answers;
}

/**
 * Acknowledged logs the server does not hold, by count (the rehearsal: its agents do not hash
 * what they send; `smc simulate --verify` compares content too, see verify-stored.ts).
 */
export async function verifyAcknowledgedLogs(
  console: ConsoleEndpoint,
  positions: readonly { agentId: string; through: number }[],
): Promise<{ agents: number; acknowledged: number; stored: number; lost: number }> {
  const asked = positions.filter((position) => position.through > 0);
  const answers = await auditStoredLogs(
    console,
    asked.map(({ agentId, through }) => ({ agentId, from: 1, through })),
  );
  let acknowledged = 0;
  let held = 0;
  asked.forEach(({ through }, i) => {
    acknowledged += through;
    held += Math.min(through, answers[i]?.stored ?? 0);
  });
  return { agents: positions.length, acknowledged, stored: held, lost: acknowledged - held };
}

function postConsole(console: ConsoleEndpoint, path: string, payload: unknown): Promise<unknown> {
  return consoleCall(console, 'POST', path, payload);
}

/**
 * One console API call (bearer admin token, the deployment's CA) that resolves with the JSON
 * answer; anything but 2xx rejects with a ConsoleApiError carrying the server's message.
 */
export function consoleCall<T = unknown>(
  console: ConsoleEndpoint,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  payload?: unknown,
  timeoutMs = 30_000,
): Promise<T> {
  const url = new URL(path, console.url);
  const text = payload === undefined ? undefined : JSON.stringify(payload);
  const what = `console API ${method} ${url.pathname}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: console.caPem,
        headers: {
          authorization: `Bearer ${console.adminToken}`,
          ...(text !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
            : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bodyText = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(bodyText);
          } catch {
            body = undefined;
          }
          const status = res.statusCode ?? 500;
          if (status < 200 || status >= 300) {
            const message =
              (body as { error?: { message?: string } } | undefined)?.error?.message ??
              bodyText.slice(0, 200);
            reject(new ConsoleApiError(`${what}: ${status} ${message}`));
          } else if (body === undefined) {
            reject(new ConsoleApiError(`${what}: answer is not JSON`));
          } else resolve(body as T);
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new ConsoleApiError(`${what}: no answer within ${timeoutMs / 1_000} s`)),
    );
    req.on('error', (error) =>
      reject(
        error instanceof ConsoleApiError
          ? error
          : new ConsoleApiError(`console API at ${url.origin}: ${error.message}`),
      ),
    );
    req.end(text);
  });
}
