import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { type Static, Type } from 'typebox';
import {
  MacAddress,
  RogueDisposition,
  RogueJudgement,
  RogueMachineAction,
  RogueMachineList,
} from '../../protocol/index.js';
import { ApiError } from '../http/errors.js';
import { decideRogueMachine, listRogueMachines } from '../rogue/rogue-queries.js';
import { PageNumber } from './schemas.js';

/** The console's Rogue Detection report: machines sensors found, judged, and the admin's actions. */

const strict = { additionalProperties: false } as const;
const RogueMachineQuery = Type.Object(
  {
    page: Type.Optional(PageNumber),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    /** @default 'rogue' */
    judgement: Type.Optional(Type.Union([RogueJudgement, Type.Literal('all')])),
    /** @default 'open' */
    disposition: Type.Optional(Type.Union([RogueDisposition, Type.Literal('all')])),
    /** What simulated sensors reported (`smc simulate --rogues`): left out unless asked for. */
    simulated: Type.Optional(Type.Union([Type.Literal('include'), Type.Literal('only')])),
  },
  strict,
);
const MacParams = Type.Object({ mac: MacAddress }, strict);
const ActionQuery = Type.Object(
  {
    /** Act on what a simulated sensor reported rather than a real one. @default false */
    simulated: Type.Optional(Type.Boolean()),
  },
  strict,
);

export function registerRogueMachineRoutes(app: FastifyInstance, pool: pg.Pool): void {
  app.get<{ Querystring: Static<typeof RogueMachineQuery> }>(
    '/api/rogue-machines',
    { schema: { querystring: RogueMachineQuery, response: { 200: RogueMachineList } } },
    async (request) => {
      const q = request.query;
      const page = q.page ?? 1;
      const pageSize = q.pageSize ?? 50;
      const { total, items } = await listRogueMachines(pool, {
        page,
        pageSize,
        judgement: q.judgement ?? 'rogue',
        disposition: q.disposition ?? 'open',
        simulated: q.simulated ?? 'exclude',
      });
      return { total, page, pageSize, items };
    },
  );

  app.post<{
    Params: Static<typeof MacParams>;
    Querystring: Static<typeof ActionQuery>;
    Body: RogueMachineAction;
  }>(
    '/api/rogue-machines/:mac',
    { schema: { params: MacParams, querystring: ActionQuery, body: RogueMachineAction } },
    async (request) => {
      const { mac } = request.params;
      const simulated = request.query.simulated === true;
      const found = await decideRogueMachine(pool, mac, simulated, request.body);
      if (!found) throw new ApiError('SMC_NOT_FOUND', `no sensor reported ${mac}`, '/mac');
      return { mac, action: request.body.action };
    },
  );
}
