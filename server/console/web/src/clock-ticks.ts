/** Whole seconds and round minutes only: never `:52.000 :52.500` between two samples. */
export const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600];

/** The narrowest gap between two `HH:MM:SS` labels that keeps them apart at the axis font. */
const MIN_TICK_PX = 56;

/**
 * uPlot's step for the space asked, or a finer one when that step would leave a single label
 * (a phone-width chart over a minute or so): one tick says nothing about the time scale.
 * Ticks fall on whole steps of local time, as uPlot's own do.
 */
export function clockTicks(min: number, max: number, incr: number, space: number): number[] {
  const pxPerSecond = space / incr;
  const finer = TIME_STEPS.filter((step) => step < incr && step * pxPerSecond >= MIN_TICK_PX);
  for (const step of [incr, ...finer.reverse()]) {
    const ticks = ticksEvery(min, max, step);
    if (ticks.length >= 2) return ticks;
  }
  return ticksEvery(min, max, incr);
}

function ticksEvery(min: number, max: number, step: number): number[] {
  const offset = -new Date(min * 1_000).getTimezoneOffset() * 60;
  const ticks: number[] = [];
  for (let t = Math.ceil((min + offset) / step) * step - offset; t <= max; t += step) ticks.push(t);
  return ticks;
}
