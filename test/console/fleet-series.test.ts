import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { quantileMs } from '../../server/console/fleet-series.js';
import { boundedQuery } from '../../server/console/insight-routes.js';
import { ApiError } from '../../server/http/errors.js';
import { testServer } from '../support/server.js';

describe('latency percentiles from a histogram window', () => {
  // Cumulative [le seconds, count]: 10 at or under 5 ms, 90 under 10 ms, 100 under 25 ms.
  const window = [
    [0.005, 10],
    [0.01, 90],
    [0.025, 100],
    [Number.POSITIVE_INFINITY, 100],
  ];

  it('interpolates inside the bucket that holds the rank (as histogram_quantile does)', () => {
    expect(quantileMs(window, 0.5)).toBe(7.5); // rank 50: 40 of 80 into 5..10 ms
    expect(quantileMs(window, 0.95)).toBe(17.5); // rank 95: 5 of 10 into 10..25 ms
    expect(quantileMs(window, 0.05)).toBe(2.5);
  });

  it('answers null with nothing in the window, and the last bound past it', () => {
    expect(
      quantileMs(
        [
          [0.005, 0],
          [Number.POSITIVE_INFINITY, 0],
        ],
        0.5,
      ),
    ).toBeNull();
    expect(
      quantileMs(
        [
          [0.005, 0],
          [Number.POSITIVE_INFINITY, 4],
        ],
        0.99,
      ),
    ).toBe(5);
  });
});

describe('bounded log reads', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await testServer();
  });
  afterAll(() => server?.close());

  it('are stopped by the database and answered as a 400 naming what bounds them', async () => {
    const error = await boundedQuery(server.pool, 'SELECT pg_sleep(5)', [], '/hours', 100).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).field).toBe('/hours');
    expect((error as ApiError).message).toMatch(/^\/hours the search ran over 0.1 s: narrow it/);
    // The connection went back to the pool usable (the failed one was discarded).
    expect((await server.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
