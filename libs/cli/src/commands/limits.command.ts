import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { commandSubjects, type RiskLimits } from '@tollgate/contracts';
import { parseRiskLimitsText } from '@tollgate/domain/risk';
import { ValidationError } from '@tollgate/kernel';
import type { LimitsView } from '@tollgate/services/risk/risk.commands';
import { CommandFailure, outputFor } from '../output';
import { command, query, requireReason, roleOf, withControlOptions, type ControlOptions } from './risk-control';

interface SetOptions extends ControlOptions {
  file: string;
  reason?: string;
}

/** Reads and validates a limits file here, before anything is sent: a bad file is refused whole, naming each key. */
export function readLimitsFile(file: string): { limits: RiskLimits; raw: unknown } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandFailure(`limits file ${file} could not be read: ${(error as Error).message}`);
  }
  try {
    const limits = parseRiskLimitsText(text);
    return { limits, raw: JSON.parse(text) as unknown };
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandFailure(`limits file ${file} was refused, nothing was changed: ${error.issues.join('; ')}`);
    throw error;
  }
}

export function renderLimits(view: LimitsView): string {
  if (!view.configured || !view.limits) return 'no limits are configured: every order is denied (default deny). Set them with `tollgate limits set --file FILE --reason TEXT`.';
  const limits = view.limits;
  const lines = [`limits in force since ${view.effectiveAt}, set by ${view.changedBy} (change ${view.changes}): ${view.reason}`];
  const defaults = limits.instrumentDefaults;
  lines.push(
    defaults
      ? `instrument defaults: max order ${defaults.maxOrderQuantity} shares / ${defaults.maxOrderNotional} notional, max position ${defaults.maxPositionQuantity} / ${defaults.maxSymbolNotional}, collar ${defaults.collar.percent} %${defaults.collar.ticks ? ` or ${defaults.collar.ticks} ticks` : ''}, reference at most ${defaults.collar.maxReferenceAgeMs} ms old`
      : 'instrument defaults: none (only the symbols listed trade)',
  );
  for (const [symbol, overrides] of Object.entries(limits.symbols)) lines.push(`  ${symbol}: ${JSON.stringify(overrides)}`);
  for (const [accountId, account] of Object.entries(limits.accounts)) {
    const modes = Object.entries(account.modes)
      .map(([mode, permissions]) => `${mode} (strategies ${permissions.strategies === '*' ? 'all' : permissions.strategies.join(',')}, symbols ${permissions.symbols === '*' ? 'all' : permissions.symbols.join(',')}${permissions.maxSymbols ? `, at most ${permissions.maxSymbols}` : ''}, manual ${permissions.manualOrders ? 'yes' : 'no'})`)
      .join('; ');
    lines.push(`account ${accountId}: modes ${modes || 'none'}`);
    lines.push(
      `  exposure: gross ${account.exposure.maxGrossNotional}, net ${account.exposure.maxNetNotional}, positions ${account.exposure.maxPositions}, share of equity ${account.exposure.maxPositionShareOfEquity}`,
    );
    const throttles = account.throttles;
    lines.push(
      `  throttles: submits ${throttles.submits.perSecond}/s ${throttles.submits.perMinute}/min, replaces ${throttles.replaces.perSecond}/s ${throttles.replaces.perMinute}/min, open orders ${throttles.maxOpenOrders}, duplicate window ${throttles.duplicateWindowMs} ms, repeated execution ${throttles.repeatedExecution.maxFills} fills / ${throttles.repeatedExecution.windowMs} ms`,
    );
    lines.push(`  breakers: ${Object.entries(account.breakers).map(([name, breaker]) => `${name} → ${(breaker as { action: string }).action}`).join(', ')}`);
    if (account.restrictedSymbols.length > 0) lines.push(`  restricted: ${account.restrictedSymbols.join(', ')}`);
    if (account.autoMode) lines.push(`  auto-mode: ${account.autoMode.maxOrdersPerDay} orders/day, ${account.autoMode.maxNotionalPerTrade} per trade`);
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  const limits = program.command('limits').description('risk limits held as events: show the limits in force, or replace them from a file (validated here first)');

  withControlOptions(limits.command('show').description('print the limits in force, who set them, when and why')).action(async (options: ControlOptions, cmd: Command) => {
    const output = outputFor(cmd);
    const view = await query<LimitsView>(commandSubjects.risk.limitsShow, {}, options);
    output.result(view, renderLimits);
  });

  withControlOptions(
    limits
      .command('set')
      .description('replace the limits in force with a JSON file; a bad file is refused whole, naming each key (needs the risk or admin role)')
      .requiredOption('--file <file>', 'the limits file (JSON; decimals as strings; see docs/risk-controls.md)')
      .option('--reason <text>', 'why the limits change (recorded)'),
    { role: true },
  ).action(async (options: SetOptions, cmd: Command) => {
    const output = outputFor(cmd);
    const reason = requireReason(options.reason);
    const { raw } = readLimitsFile(options.file);
    const view = await command<LimitsView>(commandSubjects.risk.limitsSet, { limits: raw, reason, role: roleOf(options) }, options);
    output.result(view, (value) => `limits changed.\n${renderLimits(value)}`);
  });

  limits
    .command('check')
    .description('validate a limits file without sending it')
    .requiredOption('--file <file>', 'the limits file')
    .action((options: { file: string }, cmd: Command) => {
      const output = outputFor(cmd);
      const { limits: parsed } = readLimitsFile(options.file);
      output.result({ file: options.file, valid: true, accounts: Object.keys(parsed.accounts) }, (value) => `${value.file} is valid (accounts: ${value.accounts.join(', ')})`);
    });
}
