import { Decimal, dec, decString, isDecimalString, type DecimalString } from '@tollgate/kernel';
import { tickRejectionReason, type QuoteMessage, type TickRejectionReason } from '@tollgate/contracts';
import { quoteToMessage, type Bar, type Quote } from './market-data.types';

export type { TickRejectionReason };
export const TICK_REJECTION_REASONS: readonly TickRejectionReason[] = tickRejectionReason.options;

/**
 * A decimal as a feed may deliver it. Numbers are accepted at this boundary only (a broker's JSON
 * feed sends them) and go through their shortest decimal form; NaN and infinities are rejected.
 */
export type DecimalInput = Decimal | string | number;

export interface RawQuote {
  timestamp: Date | string;
  symbol: string;
  bid: DecimalInput;
  ask: DecimalInput;
  bidSize: DecimalInput;
  askSize: DecimalInput;
}

export interface RawBar {
  timestamp: Date | string;
  symbol: string;
  open: DecimalInput;
  high: DecimalInput;
  low: DecimalInput;
  close: DecimalInput;
  volume: DecimalInput;
}

/** A quote whose decimals are still the decimal strings it was written with (a CSV row checked for form). */
export interface QuoteText {
  timestamp: Date;
  symbol: string;
  bid: DecimalString;
  ask: DecimalString;
  bidSize: DecimalString;
  askSize: DecimalString;
}

export interface TickRejection {
  accepted: false;
  reason: TickRejectionReason;
  /** The context that made the check fail, e.g. `bid=10.05 ask=10.01`. */
  detail: string;
}

export type TickVerdict<T> = { accepted: true; tick: T } | TickRejection;

/** `CROSSED_QUOTE: bid=10.05 ask=10.01` — the form logs and events use. */
export function describeRejection(rejection: TickRejection): string {
  return `${rejection.reason}: ${rejection.detail}`;
}

export interface TickValidatorOptions {
  /** The symbols the feed may carry; anything else is `UNKNOWN_SYMBOL`. */
  symbols: Iterable<string>;
  /** Largest accepted move of a quote's mid from the last accepted mid, as a fraction (`"0.1"` = 10 %). */
  maxQuoteJump?: Decimal | string;
  /** Largest accepted distance of a bar's high or low from the last accepted close, as a fraction. */
  maxBarJump?: Decimal | string;
  /**
   * A real repricing (news, a halt) would otherwise be rejected forever: after this many consecutive
   * jump rejections at a consistent new level, that level is accepted. `Infinity` never accepts.
   */
  jumpConfirmationTicks?: number;
}

export interface TickCounts {
  accepted: number;
  rejected: Record<TickRejectionReason, number>;
  rejectedBySymbol: Record<string, Partial<Record<TickRejectionReason, number>>>;
}

interface SeriesState {
  lastTimestamp: number;
  reference: Decimal | null;
  pendingJump: { level: Decimal; count: number } | null;
}

const MINUS = 45;
const HALF = new Decimal('0.5');
const reject = (reason: TickRejectionReason, detail: string): TickRejection => ({ accepted: false, reason, detail });
const ZONED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function toDecimal(value: DecimalInput): Decimal | null {
  try {
    const decimal = value instanceof Decimal ? value : typeof value === 'number' ? new Decimal(value) : dec(value);
    return decimal.isFinite() ? decimal : null;
  } catch {
    return null;
  }
}

function toTimestamp(value: Date | string): Date | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value : null;
  if (typeof value !== 'string' || !ZONED_TIMESTAMP.test(value)) return null;
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? date : null;
}

/**
 * `decString(dec(value))` for a decimal string, without building the decimal: the fraction's trailing
 * zeros (and a bare point) dropped, negative zero as zero.
 */
export function canonicalDecimalString(value: DecimalString): DecimalString {
  let end = value.length;
  if (value.includes('.')) {
    while (value.charCodeAt(end - 1) === 48) end -= 1;
    if (value.charCodeAt(end - 1) === 46) end -= 1;
  }
  const text = end === value.length ? value : value.slice(0, end);
  return text === '-0' ? '0' : text;
}

const render = (value: DecimalInput): string => (value instanceof Decimal ? value.toString() : JSON.stringify(value));
const percent = (fraction: Decimal): string => `${decString(fraction.mul(100).toDecimalPlaces(2))}%`;

/**
 * Checks every tick before anything downstream sees it. Pure apart from its own per-symbol state
 * (last accepted timestamp and price for quotes and for bars, separately). A rejected tick never
 * moves that state, except that a jump rejection counts toward confirming a new price level.
 * Checks run in the order of `TickRejectionReason`; the first failure is the reason.
 */
export class TickValidator {
  private readonly symbols: ReadonlySet<string>;
  private readonly maxQuoteJump: Decimal;
  private readonly maxBarJump: Decimal;
  private readonly jumpConfirmationTicks: number;
  /** Multiplies a reference (at most `Decimal.precision` digits) by `maxQuoteJump` without rounding. */
  private readonly exactProduct: typeof Decimal;
  private readonly quoteSeries = new Map<string, SeriesState>();
  private readonly barSeries = new Map<string, SeriesState>();
  private acceptedCount = 0;
  private readonly rejectedCounts = Object.fromEntries(TICK_REJECTION_REASONS.map((reason) => [reason, 0])) as Record<TickRejectionReason, number>;
  private readonly rejectedBySymbol: Record<string, Partial<Record<TickRejectionReason, number>>> = {};

  constructor(options: TickValidatorOptions) {
    this.symbols = new Set(options.symbols);
    this.maxQuoteJump = dec(options.maxQuoteJump ?? '0.1', 'maxQuoteJump');
    this.maxBarJump = dec(options.maxBarJump ?? '0.25', 'maxBarJump');
    this.jumpConfirmationTicks = options.jumpConfirmationTicks ?? 3;
    if (!this.maxQuoteJump.gt(0) || !this.maxBarJump.gt(0)) throw new RangeError('maxQuoteJump and maxBarJump must be positive fractions');
    if (!(this.jumpConfirmationTicks >= 1)) throw new RangeError('jumpConfirmationTicks must be at least 1');
    this.exactProduct = Decimal.clone({ precision: Decimal.precision + this.maxQuoteJump.sd(true) });
  }

  validateQuote(raw: RawQuote): TickVerdict<Quote> {
    return this.count(raw.symbol, this.checkQuote(raw));
  }

  /**
   * `validateQuote` for a quote with decimal-string prices, answering with the message to publish: the
   * same verdict, counts and state as `validateQuote`, built cheaper. Only an ordinary, acceptable quote is
   * decided here, with decimals built just for the prices it compares (sizes are checked by their sign);
   * anything else — a rejection, a jump being confirmed — goes through `validateQuote` itself, so the two
   * can never disagree about what is rejected or why.
   */
  validateQuoteText(raw: QuoteText): TickVerdict<QuoteMessage> {
    const accepted = this.acceptOrdinaryQuote(raw);
    if (accepted) {
      this.acceptedCount += 1;
      return { accepted: true, tick: accepted };
    }
    const verdict = this.validateQuote(raw);
    return verdict.accepted ? { accepted: true, tick: quoteToMessage(verdict.tick) } : verdict;
  }

  /** The accepted quote's message and the new series state, or `null` (and no state change) when it needs the full check. */
  private acceptOrdinaryQuote(raw: QuoteText): QuoteMessage | null {
    if (!this.symbols.has(raw.symbol) || !(raw.timestamp instanceof Date)) return null;
    const time = raw.timestamp.getTime();
    if (!Number.isFinite(time)) return null;
    if (!isDecimalString(raw.bid) || !isDecimalString(raw.ask) || !isDecimalString(raw.bidSize) || !isDecimalString(raw.askSize)) return null;
    // A decimal string's sign is its first character; `Decimal.isNeg` is true for "-0" too, and so is this.
    if (raw.bidSize.charCodeAt(0) === MINUS || raw.askSize.charCodeAt(0) === MINUS) return null;
    const bid = new Decimal(raw.bid);
    const ask = new Decimal(raw.ask);
    if (bid.isZero() || bid.isNeg() || !bid.lt(ask)) return null;
    const series = this.quoteSeries.get(raw.symbol);
    // Halving is exact and correctly rounded either way: the same mid as `checkQuote`'s div(2), without a division.
    const mid = bid.plus(ask).times(HALF);
    if (series) {
      if (time <= series.lastTimestamp) return null;
      // |mid − ref| ≤ ref × limit, the product exact, implies `checkSeries`' rounded |mid − ref| / ref ≤ limit:
      // a quote within the limit by this test is within it by that one. Anything else is left to `checkSeries`.
      if (series.reference && !mid.minus(series.reference).abs().lte(this.exactProduct.mul(series.reference, this.maxQuoteJump))) return null;
    }
    this.quoteSeries.set(raw.symbol, { lastTimestamp: time, reference: mid, pendingJump: null });
    return {
      timestamp: raw.timestamp.toISOString(),
      symbol: raw.symbol,
      bid: canonicalDecimalString(raw.bid),
      ask: canonicalDecimalString(raw.ask),
      bidSize: canonicalDecimalString(raw.bidSize),
      askSize: canonicalDecimalString(raw.askSize),
    };
  }

  validateBar(raw: RawBar): TickVerdict<Bar> {
    return this.count(raw.symbol, this.checkBar(raw));
  }

  counts(): TickCounts {
    return {
      accepted: this.acceptedCount,
      rejected: { ...this.rejectedCounts },
      rejectedBySymbol: Object.fromEntries(Object.entries(this.rejectedBySymbol).map(([symbol, counts]) => [symbol, { ...counts }])),
    };
  }

  private checkQuote(raw: RawQuote): TickVerdict<Quote> {
    if (!this.symbols.has(raw.symbol)) return reject('UNKNOWN_SYMBOL', `symbol=${JSON.stringify(raw.symbol)}`);
    const timestamp = toTimestamp(raw.timestamp);
    if (!timestamp) return reject('INVALID_TIMESTAMP', `timestamp=${JSON.stringify(raw.timestamp)}`);
    const fields = { bid: raw.bid, ask: raw.ask, bidSize: raw.bidSize, askSize: raw.askSize };
    const values: Partial<Record<keyof typeof fields, Decimal>> = {};
    for (const [name, value] of Object.entries(fields) as Array<[keyof typeof fields, DecimalInput]>) {
      const decimal = toDecimal(value);
      if (!decimal) return reject('NOT_A_DECIMAL', `${name}=${render(value)}`);
      values[name] = decimal;
    }
    const { bid, ask, bidSize, askSize } = values as Record<keyof typeof fields, Decimal>;
    if (!bid.gt(0) || !ask.gt(0)) return reject('NON_POSITIVE_PRICE', `bid=${bid} ask=${ask}`);
    if (bidSize.isNeg() || askSize.isNeg()) return reject('NEGATIVE_SIZE', `bidSize=${bidSize} askSize=${askSize}`);
    if (bid.gt(ask)) return reject('CROSSED_QUOTE', `bid=${bid} ask=${ask}`);
    if (bid.eq(ask)) return reject('LOCKED_QUOTE', `bid=${bid} ask=${ask}`);
    const quote: Quote = { timestamp, symbol: raw.symbol, bid, ask, bidSize, askSize };
    const mid = bid.plus(ask).div(2);
    return this.checkSeries(this.quoteSeries, quote, timestamp, mid, [mid], this.maxQuoteJump, 'mid');
  }

  private checkBar(raw: RawBar): TickVerdict<Bar> {
    if (!this.symbols.has(raw.symbol)) return reject('UNKNOWN_SYMBOL', `symbol=${JSON.stringify(raw.symbol)}`);
    const timestamp = toTimestamp(raw.timestamp);
    if (!timestamp) return reject('INVALID_TIMESTAMP', `timestamp=${JSON.stringify(raw.timestamp)}`);
    const fields = { open: raw.open, high: raw.high, low: raw.low, close: raw.close, volume: raw.volume };
    const values: Partial<Record<keyof typeof fields, Decimal>> = {};
    for (const [name, value] of Object.entries(fields) as Array<[keyof typeof fields, DecimalInput]>) {
      const decimal = toDecimal(value);
      if (!decimal) return reject('NOT_A_DECIMAL', `${name}=${render(value)}`);
      values[name] = decimal;
    }
    const { open, high, low, close, volume } = values as Record<keyof typeof fields, Decimal>;
    if (![open, high, low, close].every((price) => price.gt(0))) return reject('NON_POSITIVE_PRICE', `open=${open} high=${high} low=${low} close=${close}`);
    if (volume.isNeg()) return reject('NEGATIVE_SIZE', `volume=${volume}`);
    if (low.gt(Decimal.min(open, close)) || high.lt(Decimal.max(open, close))) {
      return reject('OHLC_INCONSISTENT', `open=${open} high=${high} low=${low} close=${close}`);
    }
    const bar: Bar = { timestamp, symbol: raw.symbol, open, high, low, close, volume };
    return this.checkSeries(this.barSeries, bar, timestamp, close, [high, low], this.maxBarJump, 'close');
  }

  /**
   * Order and jump checks against the symbol's last accepted tick of the same kind. `extremes` are
   * the prices whose distance from the reference is measured; `level` becomes the new reference.
   */
  private checkSeries<T>(
    seriesBySymbol: Map<string, SeriesState>,
    tick: T & { symbol: string },
    timestamp: Date,
    level: Decimal,
    extremes: Decimal[],
    maxJump: Decimal,
    levelName: string,
  ): TickVerdict<T> {
    const time = timestamp.getTime();
    const series = seriesBySymbol.get(tick.symbol);
    if (series) {
      if (time === series.lastTimestamp) return reject('DUPLICATE_TIMESTAMP', `timestamp=${timestamp.toISOString()}`);
      if (time < series.lastTimestamp) {
        return reject('OUT_OF_ORDER', `timestamp=${timestamp.toISOString()} last=${new Date(series.lastTimestamp).toISOString()}`);
      }
      const reference = series.reference;
      if (reference) {
        const change = Decimal.max(...extremes.map((price) => price.minus(reference).abs())).div(reference);
        if (change.gt(maxJump)) {
          const pending = series.pendingJump;
          const consistent = pending && level.minus(pending.level).abs().div(pending.level).lte(maxJump);
          series.pendingJump = consistent ? { level: pending.level, count: pending.count + 1 } : { level, count: 1 };
          if (series.pendingJump.count < this.jumpConfirmationTicks) {
            return reject('ABSURD_JUMP', `${levelName}=${level} last=${reference} change=${percent(change)} limit=${percent(maxJump)}`);
          }
        }
      }
    }
    seriesBySymbol.set(tick.symbol, { lastTimestamp: time, reference: level, pendingJump: null });
    return { accepted: true, tick };
  }

  private count<T>(symbol: string, verdict: TickVerdict<T>): TickVerdict<T> {
    if (verdict.accepted) {
      this.acceptedCount += 1;
    } else {
      this.rejectedCounts[verdict.reason] += 1;
      const bySymbol = (this.rejectedBySymbol[String(symbol)] ??= {});
      bySymbol[verdict.reason] = (bySymbol[verdict.reason] ?? 0) + 1;
    }
    return verdict;
  }
}
