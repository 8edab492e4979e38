import { Command, CommanderError } from 'commander';
import { CommandFailure } from './output';
import { commandRegistrations } from './commands';

export function buildProgram(): Command {
  const program = new Command('tollgate')
    .description('Tollgate: an automated trading system that earns its way to live trading.')
    .option('--json', 'print machine-readable JSON instead of text')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commandRegistrations) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `tollgate … | head` closes the pipe early: that is the reader being done, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      process.exitCode = error.exitCode;
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`tollgate: ${reason.split('\n')[0]}\n`);
    process.exitCode = error instanceof CommandFailure ? error.exitCode : 1;
  }
}
