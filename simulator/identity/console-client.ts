import { request } from 'node:https';
import { Compile } from 'typebox/compile';
import {
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
): Promise<string> {
  const body = await postConsole(console, '/api/enrollment-tokens', { uses, ttlSeconds: 3_600 });
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

function postConsole(console: ConsoleEndpoint, path: string, payload: unknown): Promise<unknown> {
  const url = new URL(path, console.url);
  const text = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: console.caPem,
        headers: {
          authorization: `Bearer ${console.adminToken}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bodyText = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200 && res.statusCode !== 201) {
            reject(
              new ConsoleApiError(
                `console ${path}: HTTP ${res.statusCode} ${bodyText.slice(0, 200)}`,
              ),
            );
            return;
          }
          try {
            resolve(JSON.parse(bodyText));
          } catch {
            reject(new ConsoleApiError(`console ${path}: answer is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new ConsoleApiError(`console ${path}: no answer within 30 s`)),
    );
    req.on('error', (error) =>
      reject(
        error instanceof ConsoleApiError
          ? error
          : new ConsoleApiError(`console ${path}: ${error.message}`),
      ),
    );
    req.end(text);
  });
}
