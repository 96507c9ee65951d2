import type { OsFamily } from '../../protocol/index.js';

/** Share of each OS family in the fleet, normalised to sum to 1. */
export type OsMix = Readonly<Record<OsFamily, number>>;

const FAMILIES: readonly OsFamily[] = ['windows', 'macos', 'linux'];

/** A fleet like most offices: mostly Windows (ours, for a plausible default). */
export const DEFAULT_OS_MIX: OsMix = { windows: 0.7, macos: 0.2, linux: 0.1 };

/**
 * Parses `windows=70,macos=20,linux=10` (weights, any positive scale; families left out get 0).
 * Throws a RangeError naming `field` on anything else.
 */
export function parseOsMix(text: string, field: string): OsMix {
  const weights: Record<OsFamily, number> = { windows: 0, macos: 0, linux: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    const family = match?.[1] as OsFamily | undefined;
    if (!match || !family || !FAMILIES.includes(family) || seen.has(family)) {
      throw new RangeError(
        `${field}: must look like windows=70,macos=20,linux=10 (families: ${FAMILIES.join(', ')}, each once; got ${JSON.stringify(text)})`,
      );
    }
    seen.add(family);
    weights[family] = Number(match[2]);
  }
  const total = weights.windows + weights.macos + weights.linux;
  if (!(total > 0)) throw new RangeError(`${field}: at least one weight must be above 0`);
  return {
    windows: weights.windows / total,
    macos: weights.macos / total,
    linux: weights.linux / total,
  };
}

/** The family for a draw in [0, 1). */
export function pickOsFamily(mix: OsMix, draw: number): OsFamily {
  if (draw < mix.windows) return 'windows';
  if (draw < mix.windows + mix.macos) return 'macos';
  return mix.linux > 0 ? 'linux' : mix.macos > 0 ? 'macos' : 'windows';
}
