/**
 * Parses durations people type: `90s`, `10m`, `1h`, `1h30m`, `250ms`, or a bare number of
 * seconds. Returns milliseconds. Throws a RangeError naming `field` on anything else.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string, field: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(part)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed += match[0].length;
  }
  if (trimmed.length === 0 || consumed !== trimmed.length || !Number.isFinite(total)) {
    throw new RangeError(
      `${field}: must be a duration such as 90s, 10m, 1h or 1h30m (got ${JSON.stringify(text)})`,
    );
  }
  return total;
}

/** Seconds, for flags that only make sense in whole seconds. */
export function parseDurationSeconds(text: string, field: string): number {
  const ms = parseDurationMs(text, field);
  if (ms % 1_000 !== 0) {
    throw new RangeError(
      `${field}: must be a whole number of seconds (got ${JSON.stringify(text)})`,
    );
  }
  return ms / 1_000;
}

/** `600` -> `10m`, `90` -> `1m30s`: the inverse people read. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('');
}
