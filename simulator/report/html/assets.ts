import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** uPlot's browser build and stylesheet, inlined so the report needs no network to view. */
export interface ChartAssets {
  readonly script: string;
  readonly css: string;
}

let cached: ChartAssets | undefined;

export function loadChartAssets(): ChartAssets {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const script = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    // Inlined verbatim: a closing tag inside would end the element early.
    if (/<\/script/i.test(script) || /<\/style/i.test(css)) {
      throw new Error('uplot assets contain a closing tag and cannot be inlined');
    }
    cached = { script, css };
  }
  return cached;
}
