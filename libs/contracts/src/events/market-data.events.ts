import { z } from 'zod';
import { Decimal, dec, isDecimalString } from '@tollgate/kernel';
import { defineEvent } from '../event-registry';
import { streamName } from '../envelope';
import { decimalString, isoTimestamp, positiveDecimalString, symbol } from '../schema';

const nonNegativeDecimalString = decimalString.refine((value) => !value.startsWith('-'), { message: 'must not be negative' });

/**
 * A quote as it travels on `tollgate.md.quote.<SYMBOL>` (core NATS, not recorded): decimal strings,
 * `timestamp` is when the venue quoted it.
 */
export const quoteMessage = z
  .object({
    timestamp: isoTimestamp,
    symbol,
    bid: positiveDecimalString,
    ask: positiveDecimalString,
    bidSize: nonNegativeDecimalString,
    askSize: nonNegativeDecimalString,
  })
  .strict();
export type QuoteMessage = z.infer<typeof quoteMessage>;

/**
 * A bar as it travels on `tollgate.md.bar.<SYMBOL>`. `timestamp` is the end of the bar's
 * interval — the moment the bar became known — so nothing downstream can see a bar early.
 */
export const barMessage = z
  .object({
    timestamp: isoTimestamp,
    symbol,
    open: positiveDecimalString,
    high: positiveDecimalString,
    low: positiveDecimalString,
    close: positiveDecimalString,
    volume: nonNegativeDecimalString,
  })
  .strict();
export type BarMessage = z.infer<typeof barMessage>;

/** Why a tick was refused; one code per check, in the order they are applied. */
export const tickRejectionReason = z.enum([
  'UNKNOWN_SYMBOL',
  'INVALID_TIMESTAMP',
  'NOT_A_DECIMAL',
  'NON_POSITIVE_PRICE',
  'NEGATIVE_SIZE',
  'CROSSED_QUOTE',
  'LOCKED_QUOTE',
  'OHLC_INCONSISTENT',
  'DUPLICATE_TIMESTAMP',
  'OUT_OF_ORDER',
  'ABSURD_JUMP',
]);
export type TickRejectionReason = z.infer<typeof tickRejectionReason>;

/** Stream of a symbol's recorded bars: `marketdata-<SYMBOL>`. */
export const marketDataStreamId = (symbolName: string): string => streamName('marketdata', symbolName);
/** Stream of a feed's health events (stale / resumed / rejections): `feed-<name>`. */
export const feedStreamId = (feed: string): string => streamName('feed', feed);

/**
 * A bar strategies or the ledger depend on, recorded so a replay sees exactly the bars the live
 * run saw. `occurredAt` is the bar's `timestamp` (its end).
 */
export const BarRecorded = defineEvent(
  'BarRecorded',
  1,
  barMessage
    .extend({
      /** The bar's length, e.g. `1m` or `1d`; null when the source did not say. */
      interval: z.string().regex(/^\d+[smhd]$/, 'must be a length like "1m" or "1d"').nullable(),
      /** The feed the bar came from, e.g. `synthetic` or `csv:bars.csv`. */
      source: z.string().min(1, 'must not be empty'),
    })
    .strict()
    .superRefine((bar, context) => {
      const prices = [bar.open, bar.high, bar.low, bar.close];
      if (!prices.every(isDecimalString)) return;
      const [open, high, low, close] = prices.map((price) => dec(price)) as [Decimal, Decimal, Decimal, Decimal];
      if (low.gt(Decimal.min(open, close)) || high.lt(Decimal.max(open, close))) {
        context.addIssue({ code: 'custom', path: ['high'], message: 'high and low must bracket open and close' });
      }
    }),
);

/**
 * No tick arrived for `staleAfterSeconds` of market time. `symbol` is null when the whole feed went
 * quiet, else the one symbol that did.
 */
export const MarketDataStale = defineEvent(
  'MarketDataStale',
  1,
  z
    .object({
      feed: z.string().min(1, 'must not be empty'),
      symbol: symbol.nullable(),
      lastTickAt: isoTimestamp.nullable(),
      detectedAt: isoTimestamp,
      staleAfterSeconds: z.number().int().positive(),
      session: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like "2024-07-03"'),
    })
    .strict(),
);

/** Ticks flow again after a `MarketDataStale` for the same feed and symbol. */
export const MarketDataResumed = defineEvent(
  'MarketDataResumed',
  1,
  z
    .object({
      feed: z.string().min(1, 'must not be empty'),
      symbol: symbol.nullable(),
      staleSince: isoTimestamp,
      resumedAt: isoTimestamp,
    })
    .strict(),
);

/**
 * A tick the validator refused. Rejections are always counted; recording them as events is
 * optional (a service may record the first few per reason and symbol and count the rest).
 */
export const TickRejected = defineEvent(
  'TickRejected',
  1,
  z
    .object({
      feed: z.string().min(1, 'must not be empty'),
      kind: z.enum(['quote', 'bar']),
      /** As received; may be malformed, which is often why the tick was rejected. */
      symbol: z.string(),
      timestamp: z.string().nullable(),
      reason: tickRejectionReason,
      detail: z.string(),
    })
    .strict(),
);

export const marketDataEvents = [BarRecorded, MarketDataStale, MarketDataResumed, TickRejected];
