import { Type } from 'typebox';
import { FreeObject, MAX_PAGE, TaskType, Uuid } from '../../protocol/index.js';
import { MAX_CURSOR_CHARS } from './page-cursor.js';

/** Console-only route schemas (the contract for the web console and API clients). */
const strict = { additionalProperties: false } as const;

export const IdParams = Type.Object({ id: Uuid }, strict);

/** `?page=`: from 1; offsets stay exact (page x pageSize). */
export const PageNumber = Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 });

/** Sortable columns of the computers list (server/console/computer-sort.ts maps them to SQL). */
export const COMPUTER_SORTS = [
  'hostname',
  'os',
  'protection',
  'group',
  'lastSeen',
  'agentVersion',
  'ip',
] as const;

export const ComputerQuery = Type.Object(
  {
    page: Type.Optional(PageNumber),
    /**
     * Keyset paging: the `next` token of the previous page (opaque; its sort and order must
     * match). Use it instead of `page` for deep pages: it costs the same on page 1 and 2,000.
     */
    after: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_CHARS })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    status: Type.Optional(
      Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('critical')]),
    ),
    os: Type.Optional(
      Type.Union([Type.Literal('windows'), Type.Literal('macos'), Type.Literal('linux')]),
    ),
    clone: Type.Optional(Type.Boolean()),
    hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    /** Simulated agents: left out by default, `include` them or list `only` them. */
    simulated: Type.Optional(Type.Union([Type.Literal('include'), Type.Literal('only')])),
    /** Column to sort by (server-side, so it holds across pages). @default hostname */
    sort: Type.Optional(Type.Union(COMPUTER_SORTS.map((s) => Type.Literal(s)))),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  strict,
);

export const CreateTaskRequest = Type.Object(
  {
    type: TaskType,
    params: Type.Optional(FreeObject),
    /** Agents to run it on; omit and set `all` for every known computer. */
    agentIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 100_000 })),
    all: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const PutPolicyRequest = Type.Object({ settings: FreeObject }, strict);

export const RevokeAgentRequest = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1_024 })) },
  strict,
);

export const CLONE_RESOLUTIONS = [
  'match-existing',
  'create-new',
  'create-new-once',
  'accept-hardware-change',
] as const;

export const ResolveCloneRequest = Type.Object(
  {
    /**
     * The guide's four answers: always match the existing computer (VDI), always create a new
     * computer, create a new one this once, or accept the hardware change.
     */
    resolution: Type.Union(CLONE_RESOLUTIONS.map((r) => Type.Literal(r))),
  },
  strict,
);
