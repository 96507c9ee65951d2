import { readFile, writeFile } from 'node:fs/promises';
import type { RunResult } from '../metrics/run-result.js';
import { parseRunResult } from '../metrics/run-result-check.js';
import { renderHtmlReport } from './html/page.js';

/** `--json FILE`: every figure, histograms encoded, pretty enough to diff. */
export async function writeRunJson(path: string, result: RunResult): Promise<void> {
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`, 'utf8');
}

/** Reads and checks a result file; errors start with the file name. */
export async function readRunJson(path: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RangeError(
      `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseRunResult(value, path);
}

/** `--html FILE`: the self-contained report. */
export async function writeHtmlReport(path: string, result: RunResult): Promise<void> {
  await writeFile(path, renderHtmlReport(result), 'utf8');
}
