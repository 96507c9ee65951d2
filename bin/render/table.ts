/** Left/right aligned text columns; numbers right-aligned. Enough for terminal summaries. */
export function renderColumns(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[\d.,\s%/x-]*$/.test(r[i] ?? '')));
  return all.map((row) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export const formatCount = (n: number) => n.toLocaleString('en-US');
export const formatRate = (perSecond: number) =>
  `${perSecond.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })}/s`;
