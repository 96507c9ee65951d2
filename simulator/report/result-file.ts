import { readFile, writeFile } from 'node:fs/promises';
import type { RunResult } from '../metrics/run-result.js';
import { parseRunResult } from '../metrics/run-result-check.js';
import { renderHtmlReport } from './html/page.js';

/** `--json -` means standard output (the Unix convention), never a file named `-`. */
export const isStdout = (path: string | undefined): boolean => path === '-';

/** Writes a JSON document to `path`, or to standard output for `-`. */
export async function writeJsonOutput(path: string, value: unknown): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (isStdout(path)) {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (error) => (error ? reject(error) : resolve())),
    );
  } else await writeFile(path, text, 'utf8');
}

/** `--json FILE` (or `-`): every figure, histograms encoded, pretty enough to diff. */
export async function writeRunJson(path: string, result: RunResult): Promise<void> {
  await writeJsonOutput(path, result);
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
  return parseRunJsonText(text, path);
}

/** Checks a result read from anywhere (a file, a blob); errors start with `name`. */
export function parseRunJsonText(text: string, name: string): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${name}: not valid JSON (${(error as Error).message})`);
  }
  return parseRunResult(value, name);
}

/** `--html FILE`: the self-contained report. */
export async function writeHtmlReport(path: string, result: RunResult): Promise<void> {
  await writeFile(path, renderHtmlReport(result), 'utf8');
}
