import fc from 'fast-check';
import { dec, decString } from '@tollgate/kernel';
import { quoteToMessage } from './market-data.types';
import { canonicalDecimalString, describeRejection, TickValidator, type QuoteText, type RawBar, type RawQuote, type TickVerdict } from './tick-validator';

const quote = (overrides: Partial<RawQuote> = {}): RawQuote => ({
  timestamp: '2024-07-03T13:31:00Z',
  symbol: 'AAPL',
  bid: '100.00',
  ask: '100.02',
  bidSize: '200',
  askSize: '300',
  ...overrides,
});
const bar = (overrides: Partial<RawBar> = {}): RawBar => ({
  timestamp: '2024-07-03T13:31:00Z',
  symbol: 'AAPL',
  open: '100',
  high: '101',
  low: '99.5',
  close: '100.5',
  volume: '1000',
  ...overrides,
});
const reasonOf = (verdict: TickVerdict<unknown>) => (verdict.accepted ? 'ACCEPTED' : verdict.reason);
const newValidator = () => new TickValidator({ symbols: ['AAPL', 'MSFT'], maxQuoteJump: '0.1', maxBarJump: '0.2', jumpConfirmationTicks: 3 });

describe('tick validator', () => {
  it('accepts a sane quote and hands back decimals', () => {
    const verdict = newValidator().validateQuote(quote());
    expect(verdict.accepted).toBe(true);
    if (verdict.accepted) expect(verdict.tick.bid.eq(dec('100'))).toBe(true);
  });

  it.each([
    ['an unknown symbol', { symbol: 'ZZZZ' }, 'UNKNOWN_SYMBOL'],
    ['a timestamp without zone', { timestamp: '2024-07-03T13:31:00' }, 'INVALID_TIMESTAMP'],
    ['an invalid Date', { timestamp: new Date(NaN) }, 'INVALID_TIMESTAMP'],
    ['a NaN bid', { bid: Number.NaN }, 'NOT_A_DECIMAL'],
    ['an infinite ask', { ask: Number.POSITIVE_INFINITY }, 'NOT_A_DECIMAL'],
    ['a non-decimal string', { bid: '1e5' }, 'NOT_A_DECIMAL'],
    ['a zero bid', { bid: '0' }, 'NON_POSITIVE_PRICE'],
    ['a negative ask', { ask: '-1' }, 'NON_POSITIVE_PRICE'],
    ['a negative size', { askSize: '-100' }, 'NEGATIVE_SIZE'],
    ['a crossed quote', { bid: '100.05', ask: '100.01' }, 'CROSSED_QUOTE'],
    ['a locked quote', { bid: '100.01', ask: '100.01' }, 'LOCKED_QUOTE'],
  ])('rejects a quote with %s', (_name, overrides, reason) => {
    expect(reasonOf(newValidator().validateQuote(quote(overrides as Partial<RawQuote>)))).toBe(reason);
  });

  it.each([
    ['high below close', { high: '100.4' }, 'OHLC_INCONSISTENT'],
    ['low above open', { low: '100.2' }, 'OHLC_INCONSISTENT'],
    ['a zero close', { close: '0' }, 'NON_POSITIVE_PRICE'],
    ['a negative volume', { volume: '-1' }, 'NEGATIVE_SIZE'],
    ['a NaN high', { high: 'NaN' }, 'NOT_A_DECIMAL'],
  ])('rejects a bar with %s', (_name, overrides, reason) => {
    expect(reasonOf(newValidator().validateBar(bar(overrides)))).toBe(reason);
  });

  it('rejects duplicate and out-of-order timestamps per symbol and kind', () => {
    const validator = newValidator();
    expect(reasonOf(validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:01Z' })))).toBe('ACCEPTED');
    expect(reasonOf(validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:01Z' })))).toBe('DUPLICATE_TIMESTAMP');
    expect(reasonOf(validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:00Z' })))).toBe('OUT_OF_ORDER');
    // Another symbol and another kind keep their own clocks.
    expect(reasonOf(validator.validateQuote(quote({ symbol: 'MSFT', timestamp: '2024-07-03T13:31:00Z' })))).toBe('ACCEPTED');
    expect(reasonOf(validator.validateBar(bar({ timestamp: '2024-07-03T13:31:00Z' })))).toBe('ACCEPTED');
  });

  it('rejects an absurd jump against the last good mid, and says by how much', () => {
    const validator = newValidator();
    validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:00Z' }));
    const verdict = validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:01Z', bid: '120.00', ask: '120.02' }));
    expect(verdict.accepted).toBe(false);
    if (!verdict.accepted) expect(describeRejection(verdict)).toBe('ABSURD_JUMP: mid=120.01 last=100.01 change=20% limit=10%');
    // A 5 % move is fine and becomes the new reference.
    expect(reasonOf(validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:02Z', bid: '105.00', ask: '105.02' })))).toBe('ACCEPTED');
  });

  it('accepts a new price level once it is confirmed by consecutive ticks', () => {
    const validator = newValidator();
    validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:00Z' }));
    const atNewLevel = (second: number, bid: string) =>
      reasonOf(validator.validateQuote(quote({ timestamp: `2024-07-03T13:31:0${second}Z`, bid, ask: dec(bid).plus('0.02').toFixed() })));
    expect([atNewLevel(1, '130.00'), atNewLevel(2, '130.10'), atNewLevel(3, '129.90'), atNewLevel(4, '130.00')]).toEqual([
      'ABSURD_JUMP',
      'ABSURD_JUMP',
      'ACCEPTED',
      'ACCEPTED',
    ]);
  });

  it('restarts the confirmation when the jumping ticks disagree with each other', () => {
    const validator = newValidator();
    validator.validateQuote(quote({ timestamp: '2024-07-03T13:31:00Z' }));
    const at = (second: number, bid: string) =>
      reasonOf(validator.validateQuote(quote({ timestamp: `2024-07-03T13:31:0${second}Z`, bid, ask: dec(bid).plus('0.02').toFixed() })));
    expect([at(1, '130'), at(2, '160'), at(3, '130'), at(4, '130')]).toEqual(['ABSURD_JUMP', 'ABSURD_JUMP', 'ABSURD_JUMP', 'ABSURD_JUMP']);
  });

  it('measures a bar jump by its high and low against the last close', () => {
    const validator = newValidator();
    validator.validateBar(bar({ timestamp: '2024-07-03T13:31:00Z' }));
    const spike = validator.validateBar(bar({ timestamp: '2024-07-03T13:32:00Z', high: '140', close: '100.6' }));
    expect(reasonOf(spike)).toBe('ABSURD_JUMP');
  });

  it('counts accepted ticks and rejections per reason and symbol', () => {
    const validator = newValidator();
    validator.validateQuote(quote());
    validator.validateQuote(quote({ symbol: 'ZZZZ' }));
    validator.validateQuote(quote({ bid: '101', ask: '100', timestamp: '2024-07-03T13:32:00Z' }));
    validator.validateQuote(quote({ bid: '101', ask: '100', timestamp: '2024-07-03T13:33:00Z' }));
    const counts = validator.counts();
    expect(counts.accepted).toBe(1);
    expect(counts.rejected.CROSSED_QUOTE).toBe(2);
    expect(counts.rejected.UNKNOWN_SYMBOL).toBe(1);
    expect(counts.rejected.ABSURD_JUMP).toBe(0);
    expect(counts.rejectedBySymbol).toEqual({ AAPL: { CROSSED_QUOTE: 2 }, ZZZZ: { UNKNOWN_SYMBOL: 1 } });
  });

  it('never accepts a crossed, locked or non-positive quote, whatever the numbers (property)', () => {
    const price = fc.integer({ min: -1000, max: 100000 }).map((cents) => (cents / 100).toFixed(2));
    fc.assert(
      fc.property(price, price, (bid, ask) => {
        const verdict = new TickValidator({ symbols: ['AAPL'] }).validateQuote(quote({ bid, ask }));
        const valid = Number(bid) > 0 && Number(ask) > Number(bid);
        expect(verdict.accepted).toBe(valid);
      }),
    );
  });

  it('accepts only increasing timestamps from a shuffled stream (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }), (seconds) => {
        const validator = new TickValidator({ symbols: ['AAPL'] });
        const acceptedTimes = seconds
          .map((second) => validator.validateQuote(quote({ timestamp: new Date(Date.UTC(2024, 6, 3, 13, 31, second)) })))
          .flatMap((verdict) => (verdict.accepted ? [verdict.tick.timestamp.getTime()] : []));
        acceptedTimes.forEach((time, index) => index > 0 && expect(time).toBeGreaterThan(acceptedTimes[index - 1]!));
        const counts = validator.counts();
        expect(counts.accepted + counts.rejected.DUPLICATE_TIMESTAMP + counts.rejected.OUT_OF_ORDER).toBe(seconds.length);
      }),
    );
  });

  describe('validateQuoteText, the fast path for quotes with decimal-string prices', () => {
    const decimalText = fc.oneof(
      fc.constantFrom('0', '-0', '0.000', '-1', '100', '100.00', '100.01', '100.02', '99.9', '110', '90.5', '1e3', '', '12.', '007', '100.010'),
      fc.tuple(fc.integer({ min: -5, max: 300 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom('', '0', '00')).map(([whole, fraction, zeros]) => `${whole}.${fraction}${zeros}`),
    );
    const quoteText = fc.record({
      timestamp: fc.oneof(fc.integer({ min: 0, max: 40 }).map((second) => new Date(Date.UTC(2024, 6, 3, 13, 31, second))), fc.constant(new Date(NaN))),
      symbol: fc.constantFrom('AAPL', 'MSFT', 'NOPE'),
      bid: decimalText,
      ask: decimalText,
      bidSize: decimalText,
      askSize: decimalText,
    });

    it('gives the same verdicts, counts and messages as validateQuote, tick after tick', () => {
      fc.assert(
        fc.property(fc.array(quoteText, { maxLength: 60 }), fc.constantFrom(1, 2, 3), (ticks: QuoteText[], confirmation) => {
          const fast = new TickValidator({ symbols: ['AAPL', 'MSFT'], jumpConfirmationTicks: confirmation });
          const reference = new TickValidator({ symbols: ['AAPL', 'MSFT'], jumpConfirmationTicks: confirmation });
          for (const tick of ticks) {
            const expected = reference.validateQuote(tick);
            const actual = fast.validateQuoteText(tick);
            expect(actual).toEqual(expected.accepted ? { accepted: true, tick: quoteToMessage(expected.tick) } : expected);
          }
          expect(fast.counts()).toEqual(reference.counts());
        }),
        { numRuns: 500 },
      );
    });

    it('renders decimals as decString does', () => {
      const decimalString = fc
        .tuple(fc.boolean(), fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 30n }).map(String)), fc.option(fc.stringMatching(/^\d{1,12}$/)))
        .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`);
      fc.assert(fc.property(decimalString, (value) => expect(canonicalDecimalString(value)).toBe(decString(dec(value)))), { numRuns: 2_000 });
    });
  });
});
