import { dec, ValidationError, type Decimal } from '@tollgate/kernel';
import {
  describeIssues,
  riskLimitsSchema,
  type AccountLimits,
  type AutoModeLimits,
  type BreakerLimits,
  type InstrumentLimits,
  type RiskLimits,
  type RiskLimitsChangedData,
} from '@tollgate/contracts';

/**
 * Validates a limits document. A bad document is refused whole, and every issue names its key:
 * `limits.symbols.AAPL.maxOrderQuantity: must be a positive decimal string`.
 */
export function parseRiskLimits(raw: unknown): RiskLimits {
  const parsed = riskLimitsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError('limits file', describeIssues(parsed.error).map((issue) => (issue.startsWith('(root)') ? `limits${issue.slice(6)}` : `limits.${issue}`)));
  }
  return parsed.data;
}

/** Parses the text of a limits file (JSON); decimals must be strings so no limit passes through a float. */
export function parseRiskLimitsText(text: string): RiskLimits {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('limits file', [`limits: was not JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  return parseRiskLimits(raw);
}

export interface CompiledCollar {
  /** The collar's half-width as a fraction of the reference ("5" percent → 0.05). */
  fraction: Decimal;
  percent: Decimal;
  ticks: number;
  maxReferenceAgeMs: number;
}

export interface CompiledInstrumentLimits {
  maxOrderQuantity: Decimal;
  maxOrderNotional: Decimal;
  maxPositionQuantity: Decimal;
  maxSymbolNotional: Decimal;
  collar: CompiledCollar;
}

export interface CompiledAccountLimits {
  accountId: string;
  source: AccountLimits;
  modes: AccountLimits['modes'];
  restrictedSymbols: ReadonlySet<string>;
  shortSalePermitted: boolean;
  exposure: {
    maxGrossNotional: Decimal;
    maxNetNotional: Decimal;
    maxPositions: number;
    maxPositionShareOfEquity: Decimal;
    sectors: ReadonlyMap<string, Decimal>;
  };
  throttles: AccountLimits['throttles'];
  breakers: BreakerLimits;
  autoMode: AutoModeLimits | null;
  /** The merged limits for a symbol, or null when none are configured (default deny). */
  instrument(symbol: string): CompiledInstrumentLimits | null;
}

/** Limits with decimals parsed once, so a pre-trade check never parses a limit string. */
export interface CompiledRiskLimits {
  source: RiskLimits;
  sectorOf(symbol: string): string | null;
  account(accountId: string): CompiledAccountLimits | null;
}

function compileInstrument(limits: InstrumentLimits): CompiledInstrumentLimits {
  const percent = dec(limits.collar.percent, 'collar.percent');
  return {
    maxOrderQuantity: dec(limits.maxOrderQuantity, 'maxOrderQuantity'),
    maxOrderNotional: dec(limits.maxOrderNotional, 'maxOrderNotional'),
    maxPositionQuantity: dec(limits.maxPositionQuantity, 'maxPositionQuantity'),
    maxSymbolNotional: dec(limits.maxSymbolNotional, 'maxSymbolNotional'),
    collar: { percent, fraction: percent.div(100), ticks: limits.collar.ticks ?? 0, maxReferenceAgeMs: limits.collar.maxReferenceAgeMs },
  };
}

export function compileRiskLimits(limits: RiskLimits): CompiledRiskLimits {
  const accounts = new Map<string, CompiledAccountLimits>();
  for (const [accountId, account] of Object.entries(limits.accounts)) {
    const instruments = new Map<string, CompiledInstrumentLimits | null>();
    const instrument = (symbol: string): CompiledInstrumentLimits | null => {
      const cached = instruments.get(symbol);
      if (cached !== undefined) return cached;
      const topLevel = Object.prototype.hasOwnProperty.call(limits.symbols, symbol) ? limits.symbols[symbol] : undefined;
      const accountLevel = Object.prototype.hasOwnProperty.call(account.symbols, symbol) ? account.symbols[symbol] : undefined;
      let compiled: CompiledInstrumentLimits | null = null;
      if (limits.instrumentDefaults || topLevel || accountLevel) {
        const merged = { ...(limits.instrumentDefaults ?? {}), ...(topLevel ?? {}), ...(accountLevel ?? {}) };
        // The schema guarantees a listed symbol inherits every field it omits; this guards a hand-built object.
        compiled = isCompleteInstrumentLimits(merged) ? compileInstrument(merged) : null;
      }
      instruments.set(symbol, compiled);
      return compiled;
    };
    accounts.set(accountId, {
      accountId,
      source: account,
      modes: account.modes,
      restrictedSymbols: new Set(account.restrictedSymbols),
      shortSalePermitted: account.shortSale.permitted,
      exposure: {
        maxGrossNotional: dec(account.exposure.maxGrossNotional, 'exposure.maxGrossNotional'),
        maxNetNotional: dec(account.exposure.maxNetNotional, 'exposure.maxNetNotional'),
        maxPositions: account.exposure.maxPositions,
        maxPositionShareOfEquity: dec(account.exposure.maxPositionShareOfEquity, 'exposure.maxPositionShareOfEquity'),
        sectors: new Map(Object.entries(account.exposure.sectors).map(([sector, max]) => [sector, dec(max, `exposure.sectors.${sector}`)])),
      },
      throttles: account.throttles,
      breakers: account.breakers,
      autoMode: account.autoMode ?? null,
      instrument,
    });
  }
  return {
    source: limits,
    sectorOf: (symbol) => (Object.prototype.hasOwnProperty.call(limits.sectors, symbol) ? (limits.sectors[symbol] ?? null) : null),
    account: (accountId) => accounts.get(accountId) ?? null,
  };
}

function isCompleteInstrumentLimits(value: Partial<InstrumentLimits>): value is InstrumentLimits {
  return (
    value.maxOrderQuantity !== undefined &&
    value.maxOrderNotional !== undefined &&
    value.maxPositionQuantity !== undefined &&
    value.maxSymbolNotional !== undefined &&
    value.collar !== undefined
  );
}

/**
 * The limits change in force at `time`: the last RiskLimitsChanged effective at or before it, in
 * stream order. Null means nothing was configured yet, which denies everything.
 */
export function limitsChangeInForceAt(events: readonly { data: RiskLimitsChangedData }[], time: Date | string): RiskLimitsChangedData | null {
  const at = typeof time === 'string' ? Date.parse(time) : time.getTime();
  let inForce: RiskLimitsChangedData | null = null;
  let inForceAt = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    const effectiveAt = Date.parse(event.data.effectiveAt);
    // A later change effective earlier than the one in force supersedes it only from its own effective time on.
    if (effectiveAt <= at && effectiveAt >= inForceAt) {
      inForce = event.data;
      inForceAt = effectiveAt;
    }
  }
  return inForce;
}

/** The limits in force at `time`, or null (default deny). */
export function limitsInForceAt(events: readonly { data: RiskLimitsChangedData }[], time: Date | string): RiskLimits | null {
  return limitsChangeInForceAt(events, time)?.limits ?? null;
}
