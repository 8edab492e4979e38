import type { Command } from 'commander';
import { commandSubjects, riskScope } from '@tollgate/contracts';
import type { KillResponse, ReleaseResponse } from '@tollgate/services/risk/risk.commands';
import { CommandFailure, outputFor } from '../output';
import { command, requireReason, roleOf, withControlOptions, type ControlOptions } from './risk-control';

const SCOPE_HELP = 'all | account:ID | strategy:NAME | symbol:SYM';

function scopeOf(text: string): string {
  if (!riskScope.safeParse(text).success) throw new CommandFailure(`--scope must be ${SCOPE_HELP}, was ${JSON.stringify(text)}`);
  return text;
}

export function register(program: Command): void {
  const kill = program
    .command('kill')
    .description('kill switch (RTS 6 Art. 12): block new orders in a scope and cancel its resting orders; it stays on across restarts until a person releases it')
    .addHelpText('after', '\nSee docs/runbooks/kill-switch.md.\n');

  withControlOptions(
    kill
      .command('engage', { isDefault: true })
      .description('engage the kill switch for a scope (the default: `tollgate kill --scope … --reason …`)')
      .option('--scope <scope>', SCOPE_HELP, 'all')
      .option('--reason <text>', 'why (recorded, and in the alert)'),
  ).action(async (options: ControlOptions & { scope: string; reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    const result = await command<KillResponse>(commandSubjects.risk.kill, { scope: scopeOf(options.scope), reason: requireReason(options.reason) }, options);
    output.result(result, (value) =>
      value.changed
        ? `kill switch ENGAGED for ${value.scope}: new orders in it are denied (KILL_SWITCH_ENGAGED); ${value.ordersToCancel} resting orders are being cancelled. Release: tollgate kill release --scope ${value.scope} --reason …`
        : `kill switch was already engaged for ${value.scope}; nothing was left to cancel`,
    );
  });

  withControlOptions(
    kill
      .command('release')
      .description('release the kill switch of one scope (needs the risk or admin role and a reason)')
      .option('--scope <scope>', SCOPE_HELP, 'all')
      .option('--reason <text>', 'why it is safe to trade again (recorded)'),
    { role: true },
  ).action(async (options: ControlOptions & { scope: string; reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    const result = await command<ReleaseResponse>(commandSubjects.risk.release, { scope: scopeOf(options.scope), reason: requireReason(options.reason), role: roleOf(options) }, options);
    output.result(result, (value) => `kill switch released for ${value.scope}; other engaged scopes stay engaged (tollgate state)`);
  });
}
