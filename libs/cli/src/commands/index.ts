import type { Command } from 'commander';

/** Every command group, in the order `--help` lists them. */
export const commandRegistrations: Array<(program: Command) => void> = [];
