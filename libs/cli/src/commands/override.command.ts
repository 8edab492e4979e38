import type { Command } from 'commander';
import { commandSubjects, denialReasonCodeSchema, isOverridable, orderSide, positiveDecimalString, symbol as symbolSchema, type DenialReasonCode } from '@tollgate/contracts';
import type { OverrideView } from '@tollgate/services/risk/risk.commands';
import { CommandFailure, outputFor } from '../output';
import { command, parseDuration, requireReason, roleOf, withControlOptions, type ControlOptions } from './risk-control';

interface RequestOptions extends ControlOptions {
  intent: string;
  attempt: string;
  symbol: string;
  side: string;
  quantity: string;
  controls: string;
  reason?: string;
  expiresIn: string;
}

function renderOverride(view: OverrideView): string {
  return `override ${view.overrideId}: ${view.status}; covers order ${view.clientOrderId} only; waives ${view.controls.join(', ')}; expires ${view.expiresAt}; requested by ${view.requestedBy}${view.approvedBy ? `, approved by ${view.approvedBy}` : ''}`;
}

export function register(program: Command): void {
  const override = program
    .command('override')
    .description('manual override of named controls for one order: requested by one person, approved by a second with the risk or admin role, expires, used once');

  withControlOptions(
    override
      .command('request')
      .description('ask to waive controls for exactly one order (its intent id; the order is then placed with --override ID)')
      .requiredOption('--intent <id>', 'the intent id of the order it covers (its client order id derives from it)')
      .option('--attempt <n>', 'the attempt of that intent', '1')
      .requiredOption('--symbol <symbol>', 'the order’s symbol')
      .requiredOption('--side <side>', 'buy | sell | sell_short | buy_to_cover')
      .requiredOption('--quantity <decimal>', 'the most the order may be for')
      .requiredOption('--controls <codes>', 'denial codes to waive, comma-separated (only overridable ones, e.g. QUANTITY_EXCEEDS_MAXIMUM)')
      .option('--reason <text>', 'why (recorded)')
      .option('--expires-in <duration>', 'lifetime, at most 1h', '15m'),
  ).action(async (options: RequestOptions, cmd: Command) => {
    const output = outputFor(cmd);
    const controls = options.controls.split(',').map((code) => code.trim()).filter(Boolean);
    for (const control of controls) {
      if (!denialReasonCodeSchema.safeParse(control).success) throw new CommandFailure(`--controls: ${control} is not a denial reason code`);
      if (!isOverridable(control as DenialReasonCode)) throw new CommandFailure(`--controls: ${control} can never be overridden`);
    }
    if (!symbolSchema.safeParse(options.symbol).success) throw new CommandFailure(`--symbol must be an upper-case ticker, was ${JSON.stringify(options.symbol)}`);
    if (!orderSide.safeParse(options.side).success) throw new CommandFailure(`--side must be buy, sell, sell_short or buy_to_cover, was ${JSON.stringify(options.side)}`);
    if (!positiveDecimalString.safeParse(options.quantity).success) throw new CommandFailure(`--quantity must be a positive decimal, was ${JSON.stringify(options.quantity)}`);
    const attempt = Number(options.attempt);
    if (!Number.isInteger(attempt) || attempt < 1) throw new CommandFailure(`--attempt must be a whole number from 1, was ${JSON.stringify(options.attempt)}`);
    const view = await command<OverrideView>(
      commandSubjects.risk.overrideRequest,
      {
        intentId: options.intent,
        attempt,
        symbol: options.symbol,
        side: options.side,
        quantity: options.quantity,
        controls,
        reason: requireReason(options.reason),
        expiresInMs: parseDuration(options.expiresIn, '--expires-in'),
      },
      options,
    );
    output.result(view, (value) => `${renderOverride(value)}\nA second person approves it: tollgate override approve ${value.overrideId} --as user:<them> --role risk`);
  });

  withControlOptions(
    override
      .command('approve')
      .description('approve someone else’s override request (needs the risk or admin role; self-approval is refused)')
      .argument('<overrideId>', 'the override to approve')
      .option('--reason <text>', 'why (recorded in the log)'),
    { role: true },
  ).action(async (overrideId: string, options: ControlOptions & { reason?: string }, cmd: Command) => {
    const output = outputFor(cmd);
    const view = await command<OverrideView>(commandSubjects.risk.overrideApprove, { overrideId, role: roleOf(options), ...(options.reason ? { reason: options.reason } : {}) }, options);
    output.result(view, renderOverride);
  });
}
