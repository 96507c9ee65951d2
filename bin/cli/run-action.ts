import { SizingInputError } from '../../sizing/index.js';
import { EXIT } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** Maps a model's field name to the flag a CLI user typed, so errors point at the flag. */
export type FlagNames = Readonly<Record<string, string>>;

/**
 * Runs a command's action and turns the errors users cause into one line on stderr with
 * exit code 2; anything else is a run error (exit 1) with its message.
 */
export async function runAction(
  action: () => Promise<number | undefined> | number | undefined,
  flags: FlagNames = {},
) {
  try {
    const code = await action();
    process.exitCode = code ?? EXIT.ok;
  } catch (error) {
    if (error instanceof SizingInputError) {
      process.stderr.write(`smc: ${error.messageFor(flags[error.field] ?? error.field)}\n`);
      process.exitCode = EXIT.usage;
    } else if (error instanceof UsageError || error instanceof RangeError) {
      process.stderr.write(`smc: ${error.message}\n`);
      process.exitCode = EXIT.usage;
    } else {
      process.stderr.write(`smc: ${(error as Error).message ?? String(error)}\n`);
      process.exitCode = EXIT.runError;
    }
  }
}
