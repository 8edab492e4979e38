import fc from 'fast-check';
import { BrokerUnavailableError } from '@tollgate/contracts';
import { ValidationError } from '@tollgate/kernel';
import { SecretValue, type AlpacaCredentials } from '../credentials';
import { marketDataUrlFor, parseJsonKeepingNumbers, readLatestQuotes } from './alpaca-market-data';

const credentials = (baseUrl: string): AlpacaCredentials => ({ baseUrl, keyId: 'PKTEST', secret: new SecretValue('s'), source: 'test' });

function unreadable(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    return (error as Error).message;
  }
  throw new Error('the answer was read; a failure was expected');
}

describe('parseJsonKeepingNumbers', () => {
  it('parses like JSON.parse, with each number as the text it was written as', () => {
    const text = '{"a":187.10,"b":[-0.5,1e-7,12],"s":"x\\"1.5\\" 2","n":null,"t":true}';
    expect(parseJsonKeepingNumbers(text)).toEqual({ a: '187.10', b: ['-0.5', '1e-7', '12'], s: 'x"1.5" 2', n: null, t: true });
  });

  it('agrees with JSON.parse on everything but numbers, whatever the document', () => {
    const asText = (value: unknown): unknown =>
      typeof value === 'number' ? 'number' : Array.isArray(value) ? value.map(asText) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asText(item)])) : value;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const kept = asText(parseJsonKeepingNumbers(text));
        const native = asText(JSON.parse(text));
        // Numbers became strings: compare the shapes with every number (or number text) masked.
        const mask = (item: unknown): unknown =>
          typeof item === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(item) ? 'number' : Array.isArray(item) ? item.map(mask) : item && typeof item === 'object' ? Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, mask(entry)])) : item;
        expect(mask(kept)).toEqual(mask(native));
      }),
    );
  });
});

describe('readLatestQuotes', () => {
  it("maps Alpaca's quote fields to exact decimal strings and keeps the broker's timestamp", () => {
    const text = '{"quotes":{"AAPL":{"t":"2024-07-02T14:00:00.123456789Z","ax":"V","ap":187.57,"as":2,"bx":"V","bp":187.5,"bs":1,"c":["R"],"z":"C"}}}';
    expect(readLatestQuotes(text, ['AAPL', 'MSFT'])).toEqual([
      { symbol: 'AAPL', bid: '187.5', ask: '187.57', bidSize: '1', askSize: '2', timestamp: '2024-07-02T14:00:00.123456789Z' },
    ]);
  });

  it('says which field was wrong when the answer is not the documented shape', () => {
    expect(unreadable(() => readLatestQuotes('{"quotes":{"AAPL":{"t":"yesterday","ap":"187.57","as":2,"bp":-1,"bs":1}}}', ['AAPL']))).toMatch(
      /quotes\.AAPL\.t: must be an RFC 3339 timestamp; quotes\.AAPL\.bp: must be a non-negative number/,
    );
    expect(unreadable(() => readLatestQuotes('{"quote":{}}', ['AAPL']))).toMatch(/quotes: must be an object of quotes by symbol/);
    expect(unreadable(() => readLatestQuotes('<html>bad gateway</html>', ['AAPL']))).toMatch(/the answer was not JSON/);
    expect(unreadable(() => readLatestQuotes('{"quotes":{"TSLA":{"t":"2024-07-02T14:00:00Z","ap":1,"as":1,"bp":1,"bs":1}}}', ['AAPL']))).toMatch(/not asked for: TSLA/);
  });
});

describe('marketDataUrlFor', () => {
  it('uses the local sandbox for both APIs, else Alpaca data host, unless APCA_API_DATA_URL says otherwise', () => {
    expect(marketDataUrlFor('SANDBOX_PAPER', credentials('http://127.0.0.1:8787'), {})).toBe('http://127.0.0.1:8787');
    expect(marketDataUrlFor('SANDBOX_PAPER', credentials('https://paper-api.alpaca.markets'), {})).toBe('https://data.alpaca.markets');
    expect(marketDataUrlFor('SANDBOX_PAPER', credentials('https://paper-api.alpaca.markets'), { APCA_API_DATA_URL: 'https://data.sandbox.alpaca.markets/' })).toBe(
      'https://data.sandbox.alpaca.markets',
    );
    expect(marketDataUrlFor('LIVE', credentials('https://api.alpaca.markets'), {})).toBe('https://data.alpaca.markets');
  });

  it('refuses a host the keys must not go to, plain http to Alpaca, and anything but Alpaca prices in LIVE', () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).message;
      }
      throw new Error('accepted');
    };
    expect(refusal(() => marketDataUrlFor('SANDBOX_PAPER', credentials('http://127.0.0.1:1'), { APCA_API_DATA_URL: 'https://example.com' }))).toMatch(/APCA_API_DATA_URL .*example\.com is neither Alpaca's/);
    expect(refusal(() => marketDataUrlFor('SANDBOX_PAPER', credentials('http://127.0.0.1:1'), { APCA_API_DATA_URL: 'http://data.alpaca.markets' }))).toMatch(/must use https/);
    expect(refusal(() => marketDataUrlFor('LIVE', credentials('http://127.0.0.1:8787'), {}))).toMatch(/LIVE takes its prices from data\.alpaca\.markets only/);
  });
});
