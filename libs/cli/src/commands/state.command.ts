import type { Command } from 'commander';
import { commandSubjects, tradingStateScope, tradingStatus } from '@tollgate/contracts';
import type { RiskStateView } from '@tollgate/services/risk/risk.commands';
import { CommandFailure, outputFor } from '../output';
import { command, query, requireReason, roleOf, table, withControlOptions, type ControlOptions } from './risk-control';

export function renderState(state: RiskStateView): string {
  const lines = [`account ${state.accountId} in ${state.mode}; equity ${state.equity ?? 'unknown'}; ${state.workingOrders} working orders`];
  const account = state.tradingStates.find((entry) => entry.scope === `account:${state.accountId}`);
  if (!account) lines.push(`account:${state.accountId}  ACTIVE`);
  const scopes = state.tradingStates.map((entry) => [entry.scope, entry.status, entry.reason ? `${entry.cause}: ${entry.reason}` : entry.cause, entry.since ?? '']);
  if (scopes.length > 0) lines.push(table([['scope', 'state', 'cause', 'since'], ...scopes]));
  if (state.readiness) lines.push(renderReadiness(state.readiness));
  lines.push(state.killSwitches.length === 0 ? 'kill switches: none engaged' : `kill switches engaged:\n${table(state.killSwitches.map((entry) => [`  ${entry.scope}`, entry.actor, entry.at, entry.reason]))}`);
  lines.push(
    state.breakers.length === 0
      ? 'breakers: none tripped'
      : `breakers tripped:\n${table(state.breakers.map((entry) => [`  ${entry.scope}`, entry.breaker, `${entry.value} vs ${entry.bound}`, entry.action, entry.at]))}`,
  );
  if (state.disabledStrategies.length > 0) lines.push(`disabled strategies: ${state.disabledStrategies.map((entry) => `${entry.strategy} (${entry.cause} since ${entry.since})`).join(', ')}`);
  lines.push(
    state.autoMode.status === 'on'
      ? `auto-mode: ON for ${state.autoMode.mode} (by ${state.autoMode.enabledBy})`
      : `auto-mode: off${state.autoMode.lastDisabled ? ` (last turned off: ${state.autoMode.lastDisabled.cause}, ${state.autoMode.lastDisabled.detail})` : ''}`,
  );
  lines.push(state.limits.configured ? `limits: set by ${state.limits.changedBy} at ${state.limits.effectiveAt}` : 'limits: NONE — every order is denied');
  for (const stop of state.emergencyStops.filter((entry) => entry.status === 'running')) lines.push(`emergency stop ${stop.stopId} (${stop.scope}) running: ${stop.phase}`);
  if (state.positions.length > 0) lines.push(`positions: ${state.positions.map((entry) => `${entry.symbol} ${entry.quantity}${entry.strategy ? ` (${entry.strategy})` : ''}`).join(', ')}`);
  return lines.join('\n');
}

/** Reconciliation's verdict on the account, and whether it is what holds the account HALTED. */
function renderReadiness(readiness: NonNullable<RiskStateView['readiness']>): string {
  if (readiness.ready === null) return readiness.enforced ? 'readiness: none recorded yet — the account is HALTED until the start-up sync and reconciliation pass' : 'readiness: not assessed (no reconciliation runs here)';
  if (readiness.ready) return `readiness: ready since ${readiness.at}`;
  return `readiness: NOT READY since ${readiness.at} — the account is HALTED: ${readiness.reasons.join('; ') || 'no reason given'}`;
}

export function register(program: Command): void {
  const state = program.command('state').description('trading state of every scope (ACTIVE | REDUCING | HALTED) and what holds it (a person, a breaker, reconciliation readiness), kill switches, breakers, auto-mode; move a scope; re-enable a strategy');

  withControlOptions(state.command('show', { isDefault: true }).description('print the trading state of every scope and every control in force (the default)')).action(
    async (options: ControlOptions, cmd: Command) => {
      const output = outputFor(cmd);
      output.result(await query<RiskStateView>(commandSubjects.risk.state, {}, options), renderState);
    },
  );

  withControlOptions(
    state
      .command('set')
      .description('move a scope to ACTIVE, REDUCING or HALTED; tightening is open to anyone, loosening needs the risk or admin role, and a state a breaker holds is loosened only by resetting the breaker')
      .requiredOption('--scope <scope>', 'account:ID or strategy:NAME')
      .requiredOption('--to <state>', 'ACTIVE | REDUCING | HALTED')
      .option('--reason <text>', 'why (recorded)'),
    { role: true },
  ).action(async (options: ControlOptions & { scope: string; to: string; reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    if (!tradingStateScope.safeParse(options.scope).success) throw new CommandFailure(`--scope must be account:ID or strategy:NAME, was ${JSON.stringify(options.scope)}`);
    const to = options.to.toUpperCase();
    if (!tradingStatus.safeParse(to).success) throw new CommandFailure(`--to must be ACTIVE, REDUCING or HALTED, was ${JSON.stringify(options.to)}`);
    const result = await command<RiskStateView['tradingStates'][number]>(
      commandSubjects.risk.setTradingState,
      { scope: options.scope, to, reason: requireReason(options.reason), role: roleOf(options) },
      options,
    );
    output.result(result, (value) => `${value.scope} is ${value.status} (${value.cause})`);
  });

  withControlOptions(
    state
      .command('enable-strategy')
      .description('re-enable a strategy the repeated-execution throttle (or a person) disabled; needs the risk or admin role')
      .argument('<strategy>', 'the strategy name')
      .option('--reason <text>', 'why (recorded)'),
    { role: true },
  ).action(async (strategy: string, options: ControlOptions & { reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    const result = await command<{ strategy: string; status: string }>(commandSubjects.risk.enableStrategy, { strategy, reason: requireReason(options.reason), role: roleOf(options) }, options);
    output.result(result, (value) => `strategy ${value.strategy} is ${value.status}`);
  });
}
