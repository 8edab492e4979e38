import DecimalJs from 'decimal.js';

/**
 * Money, prices and quantities are decimals, never JS numbers. This is the one configured
 * Decimal constructor; every rounding happens through the named rules below.
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;

/** A decimal as it travels in events and JSON: `-?digits(.digits)?`, no exponent, no spaces. */
export type DecimalString = string;

const DECIMAL_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export function isDecimalString(value: unknown): value is DecimalString {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}

export class InvalidDecimalError extends Error {
  override name = 'InvalidDecimalError';
  constructor(readonly field: string, readonly value: unknown) {
    super(`${field} was not a decimal string: ${JSON.stringify(value)}`);
  }
}

/** Parses a decimal string; numbers are refused because they may already have lost precision. */
export function dec(value: DecimalString | Decimal, field = 'value'): Decimal {
  if (value instanceof Decimal) return value;
  if (!isDecimalString(value)) throw new InvalidDecimalError(field, value);
  return new Decimal(value);
}

/** Renders without exponent; trailing zeros dropped unless `places` fixes them. */
export function decString(value: Decimal, places?: number): DecimalString {
  const text = places === undefined ? value.toFixed() : value.toFixed(places);
  return text === '-0' || /^-0\.0*$/.test(text) ? text.slice(1) : text;
}

export const ZERO = new Decimal(0);

/** Rounding rules, one per boundary. */
export const Rounding = {
  /** Cash and P&L: cents, banker's rounding (no drift over many fills). */
  money: (value: Decimal): Decimal => value.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN),
  /** A buy limit rounds down to the tick, a sell limit up: never worse than the trader asked. */
  priceToTick: (price: Decimal, tick: Decimal, side: 'buy' | 'sell'): Decimal =>
    price.div(tick).toDecimalPlaces(0, side === 'buy' ? Decimal.ROUND_FLOOR : Decimal.ROUND_CEIL).mul(tick),
  /** Quantities round down to the lot: sizing never exceeds what risk allowed. */
  quantityToLot: (quantity: Decimal, lot: Decimal): Decimal =>
    quantity.div(lot).toDecimalPlaces(0, Decimal.ROUND_DOWN).mul(lot),
  /** Basis points for reports: two places. */
  basisPoints: (value: Decimal): Decimal => value.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN),
} as const;
