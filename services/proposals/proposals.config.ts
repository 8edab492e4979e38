import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, exitRule, positiveDecimalString, timeInForce, type ExitRule } from '@tollgate/contracts';
import { DEFAULT_EXIT_EXECUTION, type ExitExecution } from '@tollgate/domain/exit-rules';
import { builtinStrategies, parseStrategyConfig, type ConfiguredStrategy, type StrategyRegistry } from '@tollgate/domain/strategy';
import { dec, ValidationError, type Decimal } from '@tollgate/kernel';

/**
 * The proposals service's configuration file (`config/strategies.example.json` shows every key):
 *
 *   {
 *     "strategies": [ { "name": "trend", "symbols": ["SPY"], "parameters": { "fastPeriod": 10 } } ],
 *     "sizing":    { "riskFraction": "0.01" },
 *     "proposals": { "expiresAfterMinutes": 15, "timeInForce": "day" },
 *     "exits":     { "flattenMinutesBeforeClose": 5, "trailingStop": null, "maxHoldingMinutes": null, … }
 *   }
 *
 * `strategies` is the strategy config of docs/strategies.md (validated by `parseStrategyConfig`); every
 * other block is optional and defaults as below. Unknown keys are refused, and every problem in the
 * file is reported at once, each naming its key.
 */
const exitExecution = z.enum(['marketable', 'limit']);

const sizingSchema = z.strictObject({
  /** Share of equity risked between entry and stop per trade. */
  riskFraction: positiveDecimalString.default('0.01'),
});

const proposalsSchema = z.strictObject({
  /** Unanswered for this long after the bar that made it, a proposal expires. */
  expiresAfterMinutes: z.number().positive('must be positive').default(15),
  /** Time in force of entry and exit orders: `day` for intraday bars, `gtc` for daily bars (a day order placed at the close would expire unfilled). */
  timeInForce: timeInForce.default('day'),
});

const exitsSchema = z.strictObject({
  trailingStop: z.strictObject({ distance: positiveDecimalString, unit: z.enum(['price', 'percent']) }).nullable().default(null),
  maxHoldingMinutes: z.number().int().positive('must be a positive whole number').nullable().default(null),
  flattenMinutesBeforeClose: z.number().int().nonnegative('must not be negative').nullable().default(5),
  exitOnConfirmedBreak: z.boolean().default(true),
  /** Per rule: `marketable` or `limit`; rules left out keep their default (limit for take_profit, else marketable). */
  execution: z.partialRecord(exitRule, exitExecution).default({}),
  /** A marketable exit across a wider spread than this (basis points of the mid) is an EmergencyExit. */
  wideSpreadBps: positiveDecimalString.default('50'),
  /** After an exit order ends unfilled (denied, canceled, expired), wait this long before a rule may send another. */
  retryAfterSeconds: z.number().int().nonnegative('must not be negative').default(60),
});

const fileSchema = z.strictObject({
  strategies: z.unknown(),
  sizing: sizingSchema.default({ riskFraction: '0.01' }),
  proposals: proposalsSchema.default({ expiresAfterMinutes: 15, timeInForce: 'day' }),
  exits: exitsSchema.default({
    trailingStop: null,
    maxHoldingMinutes: null,
    flattenMinutesBeforeClose: 5,
    exitOnConfirmedBreak: true,
    execution: {},
    wideSpreadBps: '50',
    retryAfterSeconds: 60,
  }),
});

export interface ExitSettings {
  trailingStop: { distance: Decimal; unit: 'price' | 'percent' } | null;
  maxHoldingMinutes: number | null;
  flattenMinutesBeforeClose: number | null;
  exitOnConfirmedBreak: boolean;
  execution: Record<ExitRule, ExitExecution>;
  wideSpreadBps: Decimal;
  retryAfterMs: number;
}

export interface ProposalsConfig {
  strategies: ConfiguredStrategy[];
  riskFraction: Decimal;
  expiresAfterMs: number;
  timeInForce: 'day' | 'gtc' | 'ioc';
  exits: ExitSettings;
}

/** Validates a configuration document; `symbols` are the run's symbols, the default universe of every strategy. */
export function parseProposalsConfig(input: unknown, options: { source?: string; registry?: StrategyRegistry; symbols?: readonly string[] } = {}): ProposalsConfig {
  const source = options.source ?? 'proposals config';
  const registry = options.registry ?? builtinStrategies();
  const parsed = fileSchema.safeParse(input);
  const issues = parsed.success ? [] : describeIssues(parsed.error);
  let strategies: ConfiguredStrategy[] = [];
  const strategiesInput = input !== null && typeof input === 'object' && 'strategies' in input ? { strategies: (input as { strategies: unknown }).strategies } : { strategies: undefined };
  try {
    strategies = parseStrategyConfig(strategiesInput, registry, source);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues.filter((issue) => !issues.includes(issue)));
  }
  if (issues.length > 0 || !parsed.success) throw new ValidationError(source, issues);
  const { sizing, proposals, exits } = parsed.data;
  const universe = options.symbols && options.symbols.length > 0 ? [...options.symbols] : null;
  return {
    strategies: strategies.map((strategy) => ({ ...strategy, symbols: strategy.symbols ?? universe })),
    riskFraction: dec(sizing.riskFraction, 'sizing.riskFraction'),
    expiresAfterMs: Math.round(proposals.expiresAfterMinutes * 60_000),
    timeInForce: proposals.timeInForce,
    exits: {
      trailingStop: exits.trailingStop ? { distance: dec(exits.trailingStop.distance, 'exits.trailingStop.distance'), unit: exits.trailingStop.unit } : null,
      maxHoldingMinutes: exits.maxHoldingMinutes,
      flattenMinutesBeforeClose: exits.flattenMinutesBeforeClose,
      exitOnConfirmedBreak: exits.exitOnConfirmedBreak,
      execution: { ...DEFAULT_EXIT_EXECUTION, ...exits.execution },
      wideSpreadBps: dec(exits.wideSpreadBps, 'exits.wideSpreadBps'),
      retryAfterMs: exits.retryAfterSeconds * 1000,
    },
  };
}

/** The same from a file; a missing file or malformed JSON is reported as such. */
export function loadProposalsConfig(path: string, options: { registry?: StrategyRegistry; symbols?: readonly string[] } = {}): ProposalsConfig {
  if (!existsSync(path)) throw new ValidationError(path, ['(root): the file does not exist']);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValidationError(path, [`(root): was not JSON: ${(error as Error).message}`]);
  }
  return parseProposalsConfig(json, { ...options, source: path });
}

/** Without a file: `trend` with its default parameters on the run's symbols, and every other default. */
export function defaultProposalsConfig(symbols: readonly string[], overrides: { strategy?: string; timeInForce?: ProposalsConfig['timeInForce'] } = {}): ProposalsConfig {
  return parseProposalsConfig(
    { strategies: [{ name: overrides.strategy ?? 'trend' }], ...(overrides.timeInForce ? { proposals: { timeInForce: overrides.timeInForce } } : {}) },
    { symbols, source: 'default proposals config' },
  );
}
