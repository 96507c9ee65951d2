import { ApiError } from '../http/errors.js';
import { classifyDatabaseError, DatabaseUnavailableError } from '../store/database-errors.js';

/**
 * Commits a batch so that one item the database refuses fails alone. `commit` stores a set of
 * items in one transaction and answers them; when it throws:
 *
 * - a conflict between transactions (deadlock, serialization) is retried as is;
 * - a refusal of the data (bad text, out-of-range value, a constraint, a stack-depth limit:
 *   store/database-errors.ts) splits the batch in halves committed one after the other, down to
 *   the single guilty item, which `fail` answers; every other item is stored and answered;
 * - a database that is away fails every item at once with DatabaseUnavailableError (a 503 with
 *   Retry-After): splitting would only multiply the failures;
 * - anything else (a bug) fails every item with the error.
 *
 * A guilty item in a batch of n costs about 2 log2(n) extra transactions, once: validation at
 * the edge (protocol/) is meant to refuse such items before they get here.
 */
export interface IsolationHooks<T> {
  /** Stores `items` in one transaction and answers each of them; throws if nothing committed. */
  readonly commit: (items: readonly T[]) => Promise<void>;
  /** Answers `items` with an error (nothing of theirs is stored). */
  readonly fail: (items: readonly T[], error: Error) => void;
  /** Told about each item the database refused on its own, with the error. */
  readonly onIsolated?: (item: T, error: Error) => void;
  /** Tries per (sub)batch for retryable conflicts. @default 3 */
  readonly attempts?: number;
}

export async function commitIsolating<T>(
  items: readonly T[],
  hooks: IsolationHooks<T>,
): Promise<void> {
  const attempts = hooks.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      await hooks.commit(items);
      return;
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const kind = classifyDatabaseError(error);
      if (kind === 'retry' && attempt < attempts) continue;
      if (kind === 'data') {
        if (items.length === 1) {
          hooks.onIsolated?.(items[0] as T, error);
          hooks.fail(items, error);
          return;
        }
        const half = Math.ceil(items.length / 2);
        await commitIsolating(items.slice(0, half), hooks);
        await commitIsolating(items.slice(half), hooks);
        return;
      }
      hooks.fail(
        items,
        kind === 'unavailable' && !(error instanceof DatabaseUnavailableError)
          ? Object.assign(new DatabaseUnavailableError(error.message), { cause: error })
          : error,
      );
      return;
    }
  }
}

/**
 * What a request is answered with when its item failed: a database that is away is a 503
 * (the error handler adds Retry-After); data the database refused in this one item (its
 * batch-mates were stored) is a 400 with the database's reason; anything else stays a 500.
 */
export function refusalOf(error: Error, what: string): Error {
  if (error instanceof DatabaseUnavailableError) return error;
  if (classifyDatabaseError(error) === 'data')
    return new ApiError(
      'SMC_BAD_BODY',
      `the database refused a value of this ${what} (${(error as { code?: string }).code}: ${error.message})`,
      '/',
    );
  return error;
}
