import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nyseCalendar } from '@tollgate/domain/calendar';
import type { MarketEvent } from '@tollgate/domain/market-data';
import { dec } from '@tollgate/kernel';
import { prepareMarket, type PrepareOptions } from './market-events';

const options: PrepareOptions = { calendar: nyseCalendar(), tickSize: () => dec('0.01') };
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tollgate-sim-market-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function csv(name: string, lines: string[]): string {
  const path = join(directory, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const describeEvent = (event: MarketEvent) =>
  event.kind === 'quote' ? `quote ${event.quote.timestamp.toISOString()} ${event.quote.bid.toFixed()}/${event.quote.ask.toFixed()}` : `bar ${event.bar.timestamp.toISOString()} ${event.bar.close.toFixed()}`;

describe('the market a simulation replays', () => {
  it('stamps date-indexed daily bars at the session close and derives a quote at the open and one at the close, 2 bps wide on the tick', async () => {
    const path = csv('daily.csv', ['date,open,high,low,close,adjclose,volume', '2024-07-02,100.00,101.50,99.50,101.00,101.00,5000', '2024-07-03,101.00,102.00,100.50,101.50,101.50,4000']);
    const market = await prepareMarket({ kind: 'csv', path, symbol: 'SPX' }, options);
    expect(market).toMatchObject({ feed: 'csv:daily.csv', barInterval: '1d', derivedQuotes: true, symbols: ['SPX'], rejected: {} });
    // 2024-07-03 is an early close (1 p.m.): its bar ends then.
    expect(market.events.map(describeEvent)).toEqual([
      'quote 2024-07-02T13:30:00.001Z 99.99/100.01',
      'quote 2024-07-02T20:00:00.000Z 100.98/101.02',
      'bar 2024-07-02T20:00:00.000Z 101',
      'quote 2024-07-03T13:30:00.001Z 100.98/101.02',
      'quote 2024-07-03T17:00:00.000Z 101.48/101.52',
      'bar 2024-07-03T17:00:00.000Z 101.5',
    ]);
    expect(market.firstAt).toBe('2024-07-02T13:30:00.001Z');
    expect(market.lastAt).toBe('2024-07-03T17:00:00.000Z');
  });

  it('keeps the quotes of a quote file and counts the ticks the validator refuses', async () => {
    const path = csv('quotes.csv', [
      'timestamp,symbol,bid,ask,bid_size,ask_size',
      '2024-07-02T14:00:00Z,SPY,100.00,100.02,100,100',
      '2024-07-02T14:00:01Z,SPY,100.05,100.01,100,100',
      '2024-07-02T14:00:02Z,SPY,100.01,100.03,100,100',
    ]);
    const market = await prepareMarket({ kind: 'csv', path }, options);
    expect(market.derivedQuotes).toBe(false);
    expect(market.events).toHaveLength(2);
    expect(market.rejected).toEqual({ CROSSED_QUOTE: 1 });
  });

  it('refuses a date that is not a trading day, and a header it does not know, naming them', async () => {
    await expect(prepareMarket({ kind: 'csv', path: csv('holiday.csv', ['date,open,high,low,close', '2024-07-04,1,1,1,1']) }, options)).rejects.toThrow(
      'holiday.csv line 2 was invalid: date: "2024-07-04" is not a trading day on XNYS',
    );
    await expect(prepareMarket({ kind: 'csv', path: csv('other.csv', ['when,price', 'x,1']) }, options)).rejects.toThrow(/other\.csv was invalid: header: expected Tollgate bars/);
  });

  it('generates the same synthetic market for the same seed', async () => {
    const source = { kind: 'synthetic' as const, seed: 5, tradingDays: 1, symbols: ['SPY'], start: '2024-07-01' };
    const first = await prepareMarket(source, options);
    const second = await prepareMarket(source, options);
    expect(first.events.map(describeEvent)).toEqual(second.events.map(describeEvent));
    expect(first.events.filter((event) => event.kind === 'bar')).toHaveLength(390);
    expect(first.barInterval).toBe('1m');
  });
});
