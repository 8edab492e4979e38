import type { Command } from 'commander';
import { commandSubjects } from '@tollgate/contracts';
import type { RiskStateView } from '@tollgate/services/risk/risk.commands';
import { outputFor } from '../output';
import { command, requireReason, roleOf, withControlOptions, type ControlOptions } from './risk-control';

function renderAutoMode(view: RiskStateView['autoMode']): string {
  return view.status === 'on'
    ? `auto-mode is ON for ${view.mode} (by ${view.enabledBy}): stricter limits apply to auto-approved orders; any breaker trip, kill switch, reconciliation break or sync failure turns it off`
    : `auto-mode is off${view.lastDisabled ? ` (${view.lastDisabled.cause}: ${view.lastDisabled.detail})` : ''}`;
}

export function register(program: Command): void {
  const autoMode = program.command('auto-mode').description('auto-mode: proposals approved without a person, within stricter rails (admin only; SIMULATED only until the readiness gate exists)');

  withControlOptions(autoMode.command('on').description('turn auto-mode on (needs the admin role and the account’s autoMode limits)').option('--reason <text>', 'why (recorded)'), { role: true }).action(
    async (options: ControlOptions & { reason?: string }, cmd: Command) => {
      const output = outputFor(cmd);
      output.result(await command<RiskStateView['autoMode']>(commandSubjects.risk.autoModeOn, { reason: requireReason(options.reason), role: roleOf(options) }, options), renderAutoMode);
    },
  );

  withControlOptions(autoMode.command('off').description('turn auto-mode off (anyone may)').option('--reason <text>', 'why (recorded)')).action(async (options: ControlOptions & { reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    output.result(await command<RiskStateView['autoMode']>(commandSubjects.risk.autoModeOff, { reason: requireReason(options.reason) }, options), renderAutoMode);
  });
}
