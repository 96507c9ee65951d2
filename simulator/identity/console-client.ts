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

/** For each agent, how many of seqs 1..through the server holds (batched to the API's limit). */
export async function auditStoredLogs(
  console: ConsoleEndpoint,
  agents: readonly { agentId: string; through: number }[],
): Promise<Map<string, number>> {
  const stored = new Map<string, number>();
  for (let at = 0; at < agents.length; at += MAX_LOG_AUDIT_AGENTS) {
    const body = await postConsole(console, '/api/log-audit', {
      agents: agents.slice(at, at + MAX_LOG_AUDIT_AGENTS),
    });
    if (!checkAudit.Check(body))
      throw new ConsoleApiError('console: log audit answer has the wrong shape');
    for (const row of (body as LogAuditResponse).agents) stored.set(row.agentId, row.stored);
  }
  return stored;
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
