import type { Command } from 'commander';
import { breakerName, commandSubjects, tradingStateScope } from '@tollgate/contracts';
import type { BreakerScopeView } from '@tollgate/services/circuit-breakers/circuit-breakers.commands';
import { CommandFailure, outputFor } from '../output';
import { command, query, requireReason, roleOf, table, withControlOptions, type ControlOptions } from './risk-control';

export function renderBreakers(scopes: BreakerScopeView[]): string {
  return scopes
    .map((scope) => {
      const header = `${scope.scope}: ${scope.tradingStatus}${scope.tradingCause !== 'initial' ? ` (${scope.tradingCause})` : ''}; high-water mark ${scope.highWaterMark ?? 'none yet'}${scope.evaluatedAt ? `; evaluated ${scope.evaluatedAt}` : ''}`;
      const rows = scope.breakers.map((breaker) => [
        `  ${breaker.breaker}`,
        breaker.tripped ? 'TRIPPED' : breaker.configured ? 'ok' : 'not configured',
        breaker.action ?? '',
        breaker.tripped ? `${breaker.value} vs ${breaker.bound} at ${breaker.trippedAt}${breaker.coolDownMs ? `, cool-down ${breaker.coolDownMs} ms` : ', reset by a person'}` : '',
      ]);
      const measured = Object.entries(scope.measurements)
        .map(([name, value]) => `${name}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
        .join(', ');
      return [header, table(rows), measured ? `  measured: ${measured}` : ''].filter(Boolean).join('\n');
    })
    .join('\n\n');
}

export function register(program: Command): void {
  const breakers = program.command('breakers').description('circuit breakers: list every breaker with its reading, reset a tripped one');

  withControlOptions(breakers.command('list').description('every breaker of every scope: tripped or not, value against bound, action').option('--scope <scope>', 'only this scope (account:ID or strategy:NAME)')).action(
    async (options: ControlOptions & { scope?: string }, cmd: Command) => {
      const output = outputFor(cmd);
      if (options.scope && !tradingStateScope.safeParse(options.scope).success) throw new CommandFailure(`--scope must be account:ID or strategy:NAME, was ${JSON.stringify(options.scope)}`);
      const scopes = await query<BreakerScopeView[]>(commandSubjects.breakers.list, options.scope ? { scope: options.scope } : {}, options);
      output.result(scopes, renderBreakers);
    },
  );

  withControlOptions(
    breakers
      .command('reset')
      .description('reset a tripped breaker (needs the risk or admin role and a reason); the scope then moves to the strictest action still tripped, or ACTIVE')
      .argument('<name>', `the breaker: ${breakerName.options.join(' | ')}`)
      .option('--scope <scope>', 'account:ID or strategy:NAME (default: the running account)')
      .option('--reason <text>', 'why it is safe to trade again (recorded)'),
    { role: true },
  ).action(async (name: string, options: ControlOptions & { scope?: string; reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    if (!breakerName.safeParse(name).success) throw new CommandFailure(`breaker must be one of ${breakerName.options.join(', ')}, was ${JSON.stringify(name)}`);
    if (options.scope && !tradingStateScope.safeParse(options.scope).success) throw new CommandFailure(`--scope must be account:ID or strategy:NAME, was ${JSON.stringify(options.scope)}`);
    const result = await command<BreakerScopeView>(
      commandSubjects.breakers.reset,
      { breaker: name, reason: requireReason(options.reason), role: roleOf(options), ...(options.scope ? { scope: options.scope } : {}) },
      options,
    );
    output.result(result, (value) => `breaker ${name} reset.\n${renderBreakers([value])}`);
  });
}
