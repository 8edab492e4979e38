import type { Command } from 'commander';
import { commandSubjects, riskScope } from '@tollgate/contracts';
import type { EmergencyStopView } from '@tollgate/services/risk/risk.commands';
import { CommandFailure, outputFor } from '../output';
import { command, parseDuration, query, requireReason, withControlOptions, type ControlOptions } from './risk-control';

interface StopOptions extends ControlOptions {
  scope: string;
  reason?: string;
  maxAttempts: string;
  wait: boolean;
  timeout: string;
}

export function renderStop(stop: EmergencyStopView): string {
  const lines = [`emergency stop ${stop.stopId} for ${stop.scope}: ${stop.status}${stop.outcome ? ` (${stop.outcome})` : ''} — ${stop.phase}`];
  for (const order of stop.flattenOrders) lines.push(`  exit ${order.side} ${order.quantity} ${order.symbol} limit ${order.limitPrice}${order.strategy ? ` (${order.strategy})` : ''}, attempt ${order.attempt}`);
  if (stop.remaining.length > 0) lines.push(`  left: ${stop.remaining.map((left) => `${left.symbol} ${left.quantity}${left.strategy ? ` (${left.strategy})` : ''}: ${left.reason}`).join('; ')}`);
  else if (stop.status === 'completed') lines.push('  every position in scope is flat');
  return lines.join('\n');
}

export function register(program: Command): void {
  const stop = program
    .command('emergency-stop')
    .description('kill switch, then flatten every position in the scope with collared marketable limit orders (never market orders); reports progress until flat, or says what is left')
    .addHelpText('after', '\nSee docs/runbooks/emergency-stop.md.\n');

  withControlOptions(
    stop
      .command('start', { isDefault: true })
      .description('start an emergency stop (the default: `tollgate emergency-stop --scope … --reason …`) and follow it')
      .option('--scope <scope>', 'all | account:ID | strategy:NAME | symbol:SYM', 'all')
      .option('--reason <text>', 'why (recorded, and in the alerts)')
      .option('--max-attempts <n>', 'exit orders per position before the stop gives up on it and says so', '3')
      .option('--no-wait', 'return once the stop has started instead of following it')
      .option('--timeout <duration>', 'how long to follow it', '2m'),
  ).action(async (options: StopOptions, cmd: Command) => {
    const output = outputFor(cmd);
    if (!riskScope.safeParse(options.scope).success) throw new CommandFailure(`--scope must be all | account:ID | strategy:NAME | symbol:SYM, was ${JSON.stringify(options.scope)}`);
    const maxAttempts = Number(options.maxAttempts);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) throw new CommandFailure(`--max-attempts must be a whole number from 1 to 10, was ${JSON.stringify(options.maxAttempts)}`);
    const timeoutMs = parseDuration(options.timeout, '--timeout');
    let view = await command<EmergencyStopView>(commandSubjects.risk.emergencyStop, { scope: options.scope, reason: requireReason(options.reason), maxAttempts }, options, 30_000);
    output.info(`emergency stop ${view.stopId} started for ${view.scope}: kill switch engaged, ${view.flattenOrders.length} exit orders planned`);
    const deadline = Date.now() + timeoutMs;
    let lastPhase = '';
    while (options.wait && view.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      [view] = (await query<EmergencyStopView[]>(commandSubjects.risk.emergencyStopStatus, { stopId: view.stopId }, options)) as [EmergencyStopView];
      const phase = `${view.phase}; ${view.remaining.length} positions left`;
      if (phase !== lastPhase) output.info(`  … ${phase}`);
      lastPhase = phase;
    }
    output.result(view, renderStop);
    if (view.status === 'completed' && view.outcome === 'incomplete') {
      throw new CommandFailure(`emergency stop ${view.stopId} could not flatten everything: ${view.remaining.map((left) => `${left.symbol} ${left.quantity} (${left.reason})`).join(', ')}`, 2);
    }
    if (options.wait && view.status === 'running') throw new CommandFailure(`emergency stop ${view.stopId} is still running after ${options.timeout}; follow it with tollgate emergency-stop status ${view.stopId}`, 3);
  });

  withControlOptions(stop.command('status').description('show emergency stops and their progress').argument('[stopId]', 'one stop (default: all)')).action(
    async (stopId: string | undefined, options: ControlOptions, cmd: Command) => {
      const output = outputFor(cmd);
      const views = await query<EmergencyStopView[]>(commandSubjects.risk.emergencyStopStatus, stopId ? { stopId } : {}, options);
      output.result(views, (value) => (value.length === 0 ? 'no emergency stops' : value.map(renderStop).join('\n\n')));
    },
  );
}
