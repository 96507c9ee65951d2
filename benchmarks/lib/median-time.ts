/**
 * The median wall time of `repeat` runs of a query, after one unmeasured run that warms the
 * caches and the plan, in milliseconds rounded to `decimals`. The benchmarks of the console's
 * queries and of the MDM projection time their SQL this one way.
 */
export async function medianMs(
  repeat: number,
  run: () => Promise<unknown>,
  options: { decimals?: number; warm?: (first: unknown) => void } = {},
): Promise<number> {
  options.warm?.(await run());
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const scale = 10 ** (options.decimals ?? 1);
  return Math.round((times[Math.floor(times.length / 2)] as number) * scale) / scale;
}
