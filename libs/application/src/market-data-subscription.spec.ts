import fc from 'fast-check';
import { barMessage, quoteMessage, subjects, type QuoteMessage } from '@tollgate/contracts';
import { InProcessBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { waitFor } from '@tollgate/testing';
import { isBarMessage, isQuoteMessage, subscribeMarketData } from './market-data-subscription';

// ---- values near the schemas' edges, valid and not ----

/** Mostly valid values, so whole messages are often valid; otherwise a value near the rule's edge, or anything. */
const mostly = <T>(valid: fc.Arbitrary<T>, edges: fc.Arbitrary<unknown>) => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 2, arbitrary: edges });

const validDecimal = fc
  .tuple(fc.nat({ max: 100_000 }), fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }))
  .map(([whole, fraction]) => (fraction === undefined ? String(whole) : `${whole}.${fraction}`));
const decimalLike = mostly(
  validDecimal,
  fc.oneof(
    validDecimal.map((text) => `-${text}`),
    fc.constantFrom('0', '0.0', '0.000', '-0', '00.5', '01', '1.', '.5', '1e5', ' 1', '1 ', '+1', '', 'NaN', '1.2.3'),
    fc.double().map(String),
  ),
);
const timestampLike = mostly(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.oneof(
    fc
      .tuple(fc.date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), fc.constantFrom('+02:00', '-05:30', '+23:59', '+24:00', '+0200', ''))
      .map(([date, offset]) => date.toISOString().replace(/\.\d{3}Z$/, offset)),
    fc.constantFrom(
      '2024-07-01T13:30:00Z',
      '2024-07-01T13:30:00.123456789Z',
      '2024-07-01T13:30Z',
      '2024-02-29T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '2024-07-01T24:00:00Z',
      '2024-07-01 13:30:00Z',
      '2024-07-01',
      '2024-07-01T13:30:00z',
    ),
    fc.string(),
  ),
);
const symbolLike = mostly(fc.stringMatching(/^[A-Z][A-Z0-9.]{0,9}$/), fc.oneof(fc.constantFrom('aapl', '', 'ABCDEFGHIJK', '1ABC', 'A B', 'AAPL\n'), fc.string()));
const otherValue = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer(), fc.boolean(), fc.constant({}), fc.constant([]));

/** A message built from `fields`, with some fields replaced by odd values, dropped, or joined by an extra key. */
function messageLike(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const keys = Object.keys(fields);
  const record = fc.record(Object.fromEntries(keys.map((key) => [key, mostly(fields[key]!, otherValue)])));
  return fc.oneof(
    { weight: 8, arbitrary: record },
    { weight: 2, arbitrary: fc.tuple(record, fc.constantFrom(...keys)).map(([value, dropped]) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== dropped))) },
    { weight: 2, arbitrary: fc.tuple(record, fc.constantFrom('extra', 'Symbol', '__proto__'), otherValue).map(([value, key, extra]) => ({ ...value, ...JSON.parse(JSON.stringify({ [key]: extra ?? null })) })) },
    { weight: 1, arbitrary: fc.oneof(otherValue, fc.string(), fc.array(fc.string())) },
  );
}

const quoteLike = messageLike({ timestamp: timestampLike, symbol: symbolLike, bid: decimalLike, ask: decimalLike, bidSize: decimalLike, askSize: decimalLike });
const barLike = messageLike({ timestamp: timestampLike, symbol: symbolLike, open: decimalLike, high: decimalLike, low: decimalLike, close: decimalLike, volume: decimalLike });

describe('precompiled market-data checks', () => {
  it('accept exactly the quotes the quoteMessage schema accepts (property)', () => {
    fc.assert(
      fc.property(quoteLike, (value) => {
        expect(isQuoteMessage(value)).toBe(quoteMessage.safeParse(value).success);
      }),
      { numRuns: 5_000 },
    );
  });

  it('accept exactly the bars the barMessage schema accepts (property)', () => {
    fc.assert(
      fc.property(barLike, (value) => {
        expect(isBarMessage(value)).toBe(barMessage.safeParse(value).success);
      }),
      { numRuns: 5_000 },
    );
  });

  it('see valid messages often enough for the properties to mean something', () => {
    const samples = fc.sample(quoteLike, 2_000);
    const accepted = samples.filter((value) => quoteMessage.safeParse(value).success).length;
    expect(accepted).toBeGreaterThan(20);
    expect(accepted).toBeLessThan(samples.length);
  });
});

describe('subscribeMarketData', () => {
  const quote: QuoteMessage = { timestamp: '2024-07-01T13:30:00.000Z', symbol: 'AAPL', bid: '101.25', ask: '101.27', bidSize: '300', askSize: '0' };

  function capturingLogger() {
    const lines: Array<{ level: string; msg: string; issues?: string[] }> = [];
    const logger = createLogger({ serviceName: 'market-data-subscription-spec', level: 'warn', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    return { logger, lines };
  }

  it('hands valid quotes to the listener, skips a malformed one naming what is wrong, and outlives a failing listener', async () => {
    const bus = new InProcessBus();
    const { logger, lines } = capturingLogger();
    const received: QuoteMessage[] = [];
    await subscribeMarketData(
      bus,
      {
        onQuote: (value) => {
          if (value.bid === '666') throw new Error('listener bug');
          received.push(value);
        },
      },
      logger,
    );
    bus.publish(subjects.quote('AAPL'), quote);
    bus.publish(subjects.quote('AAPL'), { ...quote, ask: '-1' });
    bus.publish(subjects.quote('AAPL'), { ...quote, bid: '666' });
    bus.publish(subjects.quote('AAPL'), { ...quote, timestamp: '2024-07-01T13:30:01.000Z' });
    await waitFor(() => received.length === 2 && lines.length === 2, { what: 'quotes handled' });
    expect(received.map((value) => value.timestamp)).toEqual(['2024-07-01T13:30:00.000Z', '2024-07-01T13:30:01.000Z']);
    expect(received[0]).toEqual(quote);
    const [malformed, failed] = lines;
    expect(malformed).toMatchObject({ level: 'warn', msg: `a quote on ${subjects.quote('AAPL')} was malformed and skipped` });
    expect(malformed!.issues!.join(' ')).toContain('ask');
    expect(failed).toMatchObject({ level: 'error', msg: `handling a quote on ${subjects.quote('AAPL')} failed` });
    await bus.close();
  });

  it('gives each of several subscribers the quote, each checked on its own copy', async () => {
    const bus = new InProcessBus();
    const { logger } = capturingLogger();
    const first: QuoteMessage[] = [];
    const second: QuoteMessage[] = [];
    await subscribeMarketData(bus, { onQuote: (value) => void first.push(value) }, logger);
    await subscribeMarketData(bus, { onQuote: (value) => void second.push(value) }, logger);
    bus.publish(subjects.quote('AAPL'), quote);
    await waitFor(() => first.length === 1 && second.length === 1, { what: 'both subscribers' });
    expect(first[0]).toEqual(quote);
    expect(second[0]).toEqual(quote);
    expect(first[0]).not.toBe(second[0]);
    await bus.close();
  });
});
