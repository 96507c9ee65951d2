import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { RehearsalReportParams, RehearsalUpdate } from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';

/**
 * The live view of a running `smc rehearse`: the rehearsal PUTs its state every 2 s, the web
 * console GETs it. Held in memory only (a rehearsal's server is throwaway), last write wins.
 * Both routes sit behind the bearer check like the rest of the console API.
 */
export function registerRehearsalRoutes(
  app: FastifyInstance,
  options: { reportsDir?: string } = {},
): void {
  let latest: (RehearsalUpdate & { updatedAt: string }) | null = null;

  app.put<{ Body: RehearsalUpdate }>(
    '/api/rehearsal',
    { schema: { body: RehearsalUpdate } },
    async (request) => {
      latest = { ...request.body, updatedAt: new Date().toISOString() };
      return { ok: true };
    },
  );

  app.get('/api/rehearsal', async () => {
    if (!latest) throw new ApiError('SMC_NOT_FOUND', 'no rehearsal has reported to this server');
    return latest;
  });

  // Only the two fixed names, joined onto the folder `smc serve --rehearsal-reports` was
  // given: the request chooses between them and cannot name any other file.
  app.get<{ Params: Static<typeof RehearsalReportParams> }>(
    '/api/rehearsal/reports/:name',
    { schema: { params: RehearsalReportParams } },
    async (request) => {
      const { name } = request.params;
      if (!options.reportsDir) {
        throw new ApiError('SMC_NOT_FOUND', 'this server was not started with --rehearsal-reports');
      }
      const html = await readFile(path.join(options.reportsDir, name), 'utf8').catch(() => null);
      if (html === null) {
        throw new ApiError('SMC_NOT_FOUND', `${name} has not been written yet`, 'name');
      }
      // JSON, not text/html: the page saves it as a file (its own inline scripts could not
      // run under the console's CSP), and nothing served here ever renders in our origin.
      return { name, html };
    },
  );
}
