import { Command, type CommanderError } from 'commander';
import { EXIT } from './cli/exit-codes.js';
import { registerAdminCommand } from './commands/admin.js';
import { registerMdmCommand } from './commands/mdm.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerRdSensorCommand } from './commands/rd-sensor.js';
import { registerRehearseCommand } from './commands/rehearse.js';
import { registerReportCommand } from './commands/report.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerSynthCommand } from './commands/synth.js';
import { registerSynthLoadgenCommand } from './commands/synth-loadgen.js';

/** Builds the `smc` command tree. Separate from smc.ts so tests can inspect it. */
export function buildProgram(version: string): Command {
  const program = new Command('smc')
    .description(
      'smc-kit: size, deploy, run and load-test a security management center (server, PostgreSQL, proxies, MDM).',
    )
    .version(version)
    // One line on stderr for usage errors, in the same voice as our own.
    .configureOutput({
      // Commander puts its "(Did you mean --x?)" on a line of its own: keep it on the one line.
      outputError: (text, write) =>
        write(
          `smc: ${text
            .replace(/^error: /, '')
            .replace(
              /\n\((Did you mean [^)]*)\)/,
              (_, hint: string) => ` (${hint.toLowerCase()})`,
            )}`,
        ),
    })
    .configureHelp({ showGlobalOptions: true })
    // Every command, not only the root, exits through our codes: usage errors are 2.
    .exitOverride((error: CommanderError) => {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      process.exit(ok.includes(error.code) ? EXIT.ok : EXIT.usage);
    });
  // Subcommands inherit exitOverride and output settings when added after them.
  registerPlanCommand(program);
  registerSynthCommand(program);
  registerSynthLoadgenCommand(program);
  registerSimulateCommand(program);
  registerRehearseCommand(program);
  registerReportCommand(program);
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerAdminCommand(program);
  registerMdmCommand(program);
  registerRdSensorCommand(program);
  return program;
}
