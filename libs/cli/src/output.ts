import type { Command } from 'commander';

/** How every command reports: readable text by default, one JSON document with --json. */
export interface Output {
  json: boolean;
  /** Prints a result: `render` for people, the value itself as JSON for scripts. */
  result<T>(value: T, render: (value: T) => string): void;
  /** Progress and notes go to stderr so stdout stays parseable. */
  info(message: string): void;
}

export function outputFor(command: Command): Output {
  const json = Boolean(command.optsWithGlobals().json);
  return {
    json,
    result(value, render) {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${render(value)}\n`);
    },
    info(message) {
      if (!json) process.stderr.write(`${message}\n`);
    },
  };
}

/** A command failed for a reason a person can act on: one line, non-zero exit. */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
