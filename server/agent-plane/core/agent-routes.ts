import type { Http2SecureServer, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import { ReplicateRequest } from '../../../protocol/index.js';
import type { BodyBudget, BodyTicket } from '../../http/body-budget.js';
import {
  ApiError,
  apiErrorOf,
  type FaultSink,
  unavailableRetryAfterSeconds,
  validationFailure,
} from '../../http/errors.js';
import { compileBodyValidator } from '../../http/validation.js';
import { DRAINING_ERROR, type Drain, goAway } from '../../lifecycle/drain.js';
import type { DatabaseHealth } from '../../store/database-health.js';
import { agentIdOfSocket } from '../peer-identity.js';
import {
  acquireInFlight,
  authenticatedAgent,
  type ReplicateDeps,
  replicateAnswerText,
  storeReplication,
} from '../replication.js';
import { isPlainJsonPost, readStreamJson } from './body-reader.js';
import { RequestLog } from './request-log.js';
import { respondError, respondJson } from './responses.js';
import { routeStreams, type StreamHandler } from './stream-router.js';

export interface CoreAgentRoutesOptions {
  readonly replicate: ReplicateDeps;
  /** The agent listener's body budget (the one fastify's path charges as well). */
  readonly budget: BodyBudget;
  readonly database: DatabaseHealth;
  readonly faults: FaultSink;
  /** Rolling upgrades: the node's drain, the same admission fastify's hook consults. */
  readonly drain: Drain;
  /** POST /v1/noop as well (benchmarks). */
  readonly noop: boolean;
  /** fastify's agent logger, to write per-request lines; null: none (the default). */
  readonly requestLog: FastifyBaseLogger | null;
  /** True once the fastify app is closing: then every stream goes to fastify (its 503s). */
  readonly closing: () => boolean;
}

const REPLICATE = '/v1/replicate';
const NOOP = '/v1/noop';
const NOOP_ANSWER = '{"ok":true}';

// Per-stream state lives on the stream under symbols and one shared close handler frees it:
// nothing but the ticket is allocated per request for it.
const kTicket = Symbol('smc.ticket');
const kAgent = Symbol('smc.agent');
const kRoutes = Symbol('smc.routes');
const kAdmitted = Symbol('smc.admitted');
interface CoreStream extends ServerHttp2Stream {
  [kTicket]?: BodyTicket;
  [kAgent]?: string;
  [kRoutes]?: CoreAgentRoutes;
  [kAdmitted]?: boolean;
}

/**
 * The agent plane's hot routes, POST /v1/replicate and POST /v1/noop, on the core HTTP/2
 * stream API: the same steps as the fastify route (replication.ts), the same body reader,
 * budget, error catalogue, database check and in-flight bound, without the compat layer's
 * request and response objects, fastify's hooks, or a serialiser per answer. Everything else
 * (and every HTTP/1.1 request) is fastify's, through routeStreams.
 */
export class CoreAgentRoutes {
  private readonly validate = compileBodyValidator(ReplicateRequest);
  private readonly log: RequestLog | null;
  private readonly replicateHandler: StreamHandler = (stream, headers) =>
    void this.replicate(stream as CoreStream, headers);
  private readonly noopHandler: StreamHandler = (stream, headers) =>
    void this.noop(stream as CoreStream, headers);

  constructor(private readonly options: CoreAgentRoutesOptions) {
    this.log = options.requestLog ? new RequestLog(options.requestLog) : null;
  }

  /** Puts the routes in front of fastify's compat listener on its server. */
  install(server: Http2SecureServer): void {
    routeStreams(server, (headers) => this.pick(headers));
  }

  private pick(headers: IncomingHttpHeaders): StreamHandler | null {
    if (headers[':method'] !== 'POST' || this.options.closing()) return null;
    const path = headers[':path'];
    const handler =
      path === REPLICATE
        ? this.replicateHandler
        : path === NOOP && this.options.noop
          ? this.noopHandler
          : null;
    return handler !== null && isPlainJsonPost(headers) ? handler : null;
  }

  private async replicate(stream: CoreStream, headers: IncomingHttpHeaders): Promise<void> {
    const logged = this.log?.incoming(stream, headers);
    const ticket = this.begin(stream);
    const deps = this.options.replicate;
    let status: number;
    try {
      // The order of fastify's hooks: database, identity, the agent's bound, then the body.
      if (!this.options.database.available)
        throw new ApiError(
          'SMC_UNAVAILABLE',
          'the database is unavailable; retry after the given seconds',
          undefined,
          unavailableRetryAfterSeconds(),
        );
      this.admitThroughDrain(stream);
      const agentId = authenticatedAgent(peerOf(stream), deps);
      acquireInFlight(deps, agentId);
      stream[kAgent] = agentId;
      const parsed = await readStreamJson(stream, headers, ticket);
      if (!this.validate(parsed)) throw validationFailure(this.validate.errors?.[0]);
      const body = parsed as ReplicateRequest;
      const stored = await storeReplication(deps, agentId, body, ticket.bytes);
      status = respondJson(stream, 200, replicateAnswerText(deps, stored, body.policyVersion));
    } catch (error) {
      status = respondError(stream, apiErrorOf(error, this.options.faults, POST_REPLICATE));
    }
    if (logged) this.log?.completed(logged, status);
  }

  private async noop(stream: CoreStream, headers: IncomingHttpHeaders): Promise<void> {
    const logged = this.log?.incoming(stream, headers);
    const ticket = this.begin(stream);
    let status: number;
    try {
      this.admitThroughDrain(stream);
      authenticatedAgent(peerOf(stream), this.options.replicate);
      await readStreamJson(stream, headers, ticket);
      status = respondJson(stream, 200, NOOP_ANSWER);
    } catch (error) {
      status = respondError(stream, apiErrorOf(error, this.options.faults, POST_NOOP));
    }
    if (logged) this.log?.completed(logged, status);
  }

  /** The request's share of the body budget, and the close handler that gives everything back. */
  private begin(stream: CoreStream): BodyTicket {
    const ticket = this.options.budget.ticket();
    stream[kTicket] = ticket;
    stream[kRoutes] = this;
    // A peer's reset must not become an unhandled 'error': the stream's close frees it.
    stream.on('error', ignore);
    stream.once('close', onStreamClose);
    return ticket;
  }

  /**
   * The drain's admission, as fastify's hook (lifecycle/drain-hook.ts) applies it, at the same
   * point (after the database check, before identity): refused while draining (503 +
   * Retry-After, then GOAWAY once the answer left), else counted until the stream closes.
   */
  private admitThroughDrain(stream: CoreStream): void {
    const { drain } = this.options;
    if (drain.admit()) {
      stream[kAdmitted] = true;
      return;
    }
    stream.once('finish', () => goAway(stream.session));
    throw new ApiError(
      DRAINING_ERROR.code,
      DRAINING_ERROR.message,
      undefined,
      drain.retryAfterSeconds,
    );
  }

  /** @internal the shared close handler's way back in */
  released(stream: CoreStream): void {
    if (stream[kAdmitted] === true) this.options.drain.done();
    const agentId = stream[kAgent];
    if (agentId !== undefined) this.options.replicate.inFlight.release(agentId);
  }
}

const POST_REPLICATE = { method: 'POST', url: REPLICATE };
const POST_NOOP = { method: 'POST', url: NOOP };

function onStreamClose(this: CoreStream): void {
  this[kTicket]?.release();
  this[kRoutes]?.released(this);
}

function peerOf(stream: ServerHttp2Stream): string | null {
  const socket = stream.session?.socket as TLSSocket | undefined;
  return socket ? agentIdOfSocket(socket) : null;
}

function ignore(): void {}
