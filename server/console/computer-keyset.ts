import { ApiError } from '../http/errors.js';
import { type ComputerSort, SORT_KEYS, type SortOrder } from './computer-sort.js';
import {
  decodeCursor,
  encodeCursor,
  isNullableString,
  isOneOf,
  isString,
  isUuid,
} from './page-cursor.js';
import { COMPUTER_SORTS } from './schemas.js';

/*
 * Keyset paging of the computers list: the next page starts strictly after the last row's
 * (sort key, hostname, agent_id), the same tuple ORDER BY uses, so a page costs an index
 * range scan however deep it is (OFFSET reads and throws away every row before it), and rows
 * inserted or changed between pages never make a row repeat or vanish from the rows that
 * did not move.
 */

export interface ComputerCursor {
  readonly sort: ComputerSort;
  readonly order: SortOrder;
  /** The sort column's value as text (null: the row has none, so it sorts last). */
  readonly key: string | null;
  readonly hostname: string;
  readonly id: string;
}

const KEY_SHAPES: Record<SortKey['type'], RegExp> = {
  text: /^[\s\S]*$/,
  int: /^[0-2]$/,
  timestamptz: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
};
type SortKey = (typeof SORT_KEYS)[ComputerSort];

/** The `after=` token of the page that ends on `last` (the row's hostname, agentId and sortKey). */
export function computerCursor(
  sort: ComputerSort,
  order: SortOrder,
  last: { hostname: string; agentId: string; sortKey: string | null },
): string {
  return encodeCursor({
    sort,
    order,
    key: last.sortKey,
    hostname: last.hostname,
    id: last.agentId,
  });
}

/** Decodes `after`, and refuses a token minted for another sort or order (its keys mean something else). */
export function readComputerCursor(
  token: string,
  sort: ComputerSort,
  order: SortOrder,
): ComputerCursor {
  const cursor = decodeCursor<{
    sort: string;
    order: string;
    key: string | null;
    hostname: string;
    id: string;
  }>(
    token,
    {
      sort: isOneOf(COMPUTER_SORTS),
      order: isOneOf(['asc', 'desc']),
      key: isNullableString(1_024),
      hostname: isString(1_024),
      id: isUuid,
    },
    '/after',
  );
  const chosen = cursor.sort as ComputerSort;
  if (chosen !== sort || cursor.order !== order)
    throw badAfter(
      `was made for sort=${chosen}&order=${cursor.order}, not sort=${sort}&order=${order}`,
    );
  const rule = SORT_KEYS[chosen];
  if (cursor.key === null && !rule.nullable)
    throw badAfter(`field "key" cannot be null for sort=${chosen}`);
  if (cursor.key !== null && !KEY_SHAPES[rule.type].test(cursor.key))
    throw badAfter(`field "key" is not a ${chosen} value`);
  return { sort: chosen, order, key: cursor.key, hostname: cursor.hostname, id: cursor.id };
}

/**
 * The WHERE term "after this cursor" for its sort, with its values appended to `values`
 * (placeholders numbered after what is already there). Nullable keys sort last in both
 * directions: after a non-null key come the rest of the non-null ones, then every null one.
 */
export function afterCursor(cursor: ComputerCursor, values: unknown[]): string {
  const op = cursor.order === 'desc' ? '<' : '>';
  const param = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
  const tie = () =>
    `(c.hostname, c.agent_id) ${op} (${param(cursor.hostname, 'text')}, ${param(cursor.id, 'uuid')})`;
  if (cursor.sort === 'hostname') return tie();
  const rule = SORT_KEYS[cursor.sort];
  if (cursor.key === null) return `(${rule.column} IS NULL AND ${tie()})`;
  const rows = `(${rule.column}, c.hostname, c.agent_id) ${op} (${param(cursor.key, rule.type)}, ${param(cursor.hostname, 'text')}, ${param(cursor.id, 'uuid')})`;
  return rule.nullable ? `(${rows} OR ${rule.column} IS NULL)` : rows;
}

function badAfter(why: string): ApiError {
  return new ApiError(
    'SMC_BAD_BODY',
    `after: ${why}; pass back the "next" token unchanged`,
    '/after',
  );
}
