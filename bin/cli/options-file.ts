import { readFile } from 'node:fs/promises';
import type { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './usage-error.js';

/**
 * k6-style configuration for a command with many flags: `SMC_<FLAG>` environment variables
 * (e.g. SMC_TARGET, SMC_ENROLL_TOKEN) and a `--config FILE` of JSON or YAML whose keys are
 * the flag names (`target`, `enroll-token`; camelCase also taken). A flag on the command line
 * wins over the environment, which wins over the file, which wins over the defaults.
 */
export function addOptionsFileAndEnvironment(
  command: Command,
  skip: readonly string[] = [],
): Command {
  for (const option of command.options) {
    const name = option.long?.replace(/^--/, '');
    if (!name || skip.includes(name) || name === 'config') continue;
    option.env(envName(name));
  }
  command.option(
    '--config <file>',
    'options file, JSON or YAML, keys are flag names (e.g. target: https://smc:2222); flags and SMC_* variables win',
  );
  return command;
}

/**
 * Fills in the options the command line and environment left at their defaults from
 * `--config FILE` (call inside runAction: its errors are usage errors naming --config) and
 * returns the options as the action should see them.
 */
export async function optionsWithFile<T>(command: Command): Promise<T> {
  applyEnvironment(command);
  const file = command.getOptionValue('config') as string | undefined;
  if (file !== undefined) await applyOptionsFile(command, file);
  return command.opts() as T;
}

/**
 * SMC_* variables for options the command line left alone. (Commander reads an option's
 * env() only when it is set before the option is added; ours are named after the fact, from
 * the flag names, so they are applied here, through each option's own parser.)
 */
function applyEnvironment(command: Command): void {
  for (const option of command.options) {
    const variable = option.envVar;
    if (!variable || !(variable in process.env)) continue;
    const attribute = option.attributeName();
    const source = command.getOptionValueSource(attribute);
    if (source === 'cli') continue;
    const raw = process.env[variable] as string;
    let value: unknown;
    if (option.isBoolean()) {
      if (!/^(1|0|true|false|yes|no)$/i.test(raw))
        throw new UsageError(
          `${variable}: must be true or false for ${option.long} (got ${JSON.stringify(raw)})`,
        );
      value = /^(1|true|yes)$/i.test(raw);
    } else if (Array.isArray(option.defaultValue)) {
      // A repeatable flag: items separated by commas or new lines.
      value = raw
        .split(/[,\n]/)
        .map((item) => item.trim())
        .filter(Boolean)
        .reduce<unknown>((acc, item) => parsed(option, item, acc), []);
    } else value = parsed(option, raw, option.defaultValue);
    command.setOptionValueWithSource(attribute, value, 'env');
  }
}

/** A value through the option's own rules: its choices, then its parser (errors are usage). */
function parsed(option: Option, text: string, previous: unknown): unknown {
  if (option.argChoices && !option.argChoices.includes(text))
    throw new UsageError(
      `${option.long}: must be one of ${option.argChoices.join(', ')} (got ${JSON.stringify(text)})`,
    );
  try {
    return option.parseArg ? option.parseArg(text, previous as never) : text;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `enroll-token` -> `SMC_ENROLL_TOKEN`. */
export const envName = (flagName: string) => `SMC_${flagName.replaceAll('-', '_').toUpperCase()}`;

async function applyOptionsFile(command: Command, file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--config: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    value = parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `--config: ${file} is neither JSON nor YAML (${(error as Error).message.split('\n')[0]})`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`--config: ${file} must hold an object of flag names and values`);
  const byName = new Map<string, Option>();
  for (const option of command.options) {
    const long = option.long?.replace(/^--/, '');
    if (!long) continue;
    byName.set(long, option);
    byName.set(option.attributeName(), option);
  }
  for (const [key, raw] of Object.entries(value)) {
    const option = byName.get(key);
    if (!option || key === 'config')
      throw new UsageError(
        `--config: ${file}: unknown option ${JSON.stringify(key)} (keys are flag names such as "target")`,
      );
    const attribute = option.attributeName();
    const source = command.getOptionValueSource(attribute);
    if (source === 'cli' || source === 'env') continue; // the command line and SMC_* win
    command.setOptionValueWithSource(attribute, valueFor(option, key, raw, file), 'config');
  }
}

/** A file value as the flag would have given it (text, or true for a switch; lists for repeatables). */
function valueFor(option: Option, key: string, raw: unknown, file: string): unknown {
  const where = `--config: ${file}: ${key}`;
  if (option.isBoolean()) {
    if (typeof raw !== 'boolean') throw new UsageError(`${where}: must be true or false`);
    return raw;
  }
  const text = (item: unknown): string => {
    if (typeof item === 'string' || typeof item === 'number') return String(item);
    throw new UsageError(`${where}: must be text or a number`);
  };
  const parse = (item: string, previous: unknown) => parsed(option, item, previous);
  if (Array.isArray(option.defaultValue)) {
    // A repeatable flag (--slo, --threshold): one item or a list.
    const items = Array.isArray(raw) ? raw : [raw];
    return items.reduce<unknown>((acc, item) => parse(text(item), acc), []);
  }
  if (Array.isArray(raw)) throw new UsageError(`${where}: takes one value, not a list`);
  return parse(text(raw), option.defaultValue);
}
