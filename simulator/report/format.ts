import type { ThresholdVerdict } from '../metrics/run-result.js';

/** How figures read in every report (text, HTML, compare), so they always agree. */

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms >= 1_000) return `${(ms / 1_000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatPerSec(perSec: number): string {
  return `${perSec.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })}/s`;
}

export function formatRatio(ratio: number): string {
  const percent = ratio * 100;
  if (percent === 0) return '0%';
  if (percent < 0.01) return '<0.01%';
  return `${percent.toLocaleString('en-US', { maximumFractionDigits: percent < 1 ? 3 : 2 })}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function formatFigure(kind: ThresholdVerdict['kind'], value: number): string {
  switch (kind) {
    case 'latency':
      return formatMs(value);
    case 'rate':
      return formatPerSec(value);
    case 'ratio':
      return formatRatio(value);
    case 'count':
      return formatCount(value);
  }
}

/** "actual 45.0/s", or why there is no actual value. */
export function formatVerdictActual(verdict: ThresholdVerdict): string {
  if (verdict.actual === null) return `not measured${verdict.note ? `: ${verdict.note}` : ''}`;
  const actual = `actual ${formatFigure(verdict.kind, verdict.actual)}`;
  // A figure within its limit that still failed says why (e.g. not enough data).
  return verdict.note ? `${actual}; ${verdict.note}` : actual;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${s ? `${s}s` : ''}` : `${Math.floor(m / 60)}h${m % 60}m`;
}

/** Bytes in powers of 1024 (what a network link's figures read in). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}
