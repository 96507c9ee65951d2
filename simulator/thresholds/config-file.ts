import { readFile } from 'node:fs/promises';
import { parseThresholds, type Threshold, ThresholdError } from './parse.js';

/**
 * Thresholds from a JSON file: `{ "thresholds": ["p99<250ms", "errors<0.1%"] }`. Returns the
 * expressions (parse them with parseThresholds, so file and flag share one set of messages).
 */
export async function loadThresholdFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ThresholdError(
      `${path}: cannot read the threshold file (${(error as Error).message})`,
    );
  }
  return thresholdsFromJsonText(text, path);
}

export function thresholdsFromJsonText(text: string, source: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ThresholdError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ThresholdError(`${source}: must be an object like { "thresholds": ["p99<250ms"] }`);
  }
  const list = (value as { thresholds?: unknown }).thresholds;
  if (!Array.isArray(list)) {
    throw new ThresholdError(`${source}: "thresholds" must be an array of expressions`);
  }
  return list.map((item, i) => {
    if (typeof item !== 'string') {
      throw new ThresholdError(`${source}: thresholds[${i}] must be a string such as "p99<250ms"`);
    }
    return item;
  });
}

/**
 * What a command does with `--threshold` flags and a `--thresholds-file`: file entries first,
 * then flags, all parsed up front so a bad one stops the command before any work.
 */
export async function gatherThresholds(
  flags: readonly string[] = [],
  file?: string,
): Promise<Threshold[]> {
  const fromFile = file === undefined ? [] : await loadThresholdFile(file);
  return parseThresholds([...fromFile, ...flags]);
}
