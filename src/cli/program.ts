import { Command, CommanderError, Option } from 'commander';
import { registerApplyCommand } from './commands/apply';
import { registerRunCommands } from './commands/runs';
import { registerTriggerCommands } from './commands/triggers';
import { registerWorkerCommand } from './commands/worker';
import {
  CliContext,
  DEFAULT_URL,
  EXIT,
  UsageError,
  type CliIo,
  type GlobalOptions,
} from './context';

/** Runs one command's body with its context; errors become the exit code. */
export type RunCommand = (cmd: Command, body: (ctx: CliContext) => Promise<void>) => Promise<void>;

/** Adds a group of commands to the program. */
export type Register = (program: Command, run: RunCommand) => void;

const REGISTER: Register[] = [
  registerApplyCommand,
  registerTriggerCommands,
  registerRunCommands,
  registerWorkerCommand,
];

/**
 * The `sundial` command line (docs/triggers-as-code.md "CLI"). Resolves to the exit code: 0 done,
 * 1 the API (or the command) failed, 2 the command line is wrong. Never calls process.exit, so
 * tests run it in-process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const run: RunCommand = async (cmd, body) => {
    const ctx = new CliContext(io, cmd.optsWithGlobals<GlobalOptions>());
    try {
      await body(ctx);
    } catch (e) {
      ctx.reportError(e);
      exitCode = e instanceof UsageError ? EXIT.usage : EXIT.failed;
    }
  };

  const program = new Command('sundial')
    .description('Sundial from the command line: triggers as code, runs, workers')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(sundial --help for usage)')
    .option('--url <url>', `the API's address (env SUNDIAL_URL; default ${DEFAULT_URL})`)
    .option('--api-key <key>', 'API key, sent as a bearer token (env SUNDIAL_API_KEY)')
    .addOption(
      new Option('-o, --output <format>', 'human or json')
        .choices(['human', 'json'])
        .default('human'),
    );
  for (const register of REGISTER) register(program, run);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return exitCode;
}
