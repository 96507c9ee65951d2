import type { Comparison, FigureDelta } from './compare.js';
import { formatFigure } from './format.js';

/** The human view of a comparison: a table of deltas and the verdict. */
export function renderComparisonRows(comparison: Comparison): string[][] {
  return comparison.figures.map((f) => [
    f.label,
    valueText(f, f.before),
    valueText(f, f.after),
    changeText(f),
    f.judgement,
  ]);
}

function valueText(f: FigureDelta, value: number | null): string {
  return value === null ? 'n/a' : formatFigure(f.kind, value);
}

function changeText(f: FigureDelta): string {
  if (f.change === null) return 'n/a';
  if (f.kind === 'ratio') {
    const points = f.change * 100;
    return `${points >= 0 ? '+' : ''}${points.toFixed(3)} pp`;
  }
  if (f.relativeChange === null)
    return f.change === 0 ? '0' : `${f.change > 0 ? '+' : ''}${f.change}`;
  return `${f.relativeChange >= 0 ? '+' : ''}${(f.relativeChange * 100).toFixed(1)}%`;
}
