import type { BrokerQuote, MarketQuotePort } from '@tollgate/contracts';
import type { MarketEvent } from '@tollgate/domain/market-data';
import { decString } from '@tollgate/kernel';
import { brokerSource } from './market-sources';

/** A broker whose answers the test scripts poll by poll; after the script, it repeats its last answer. */
class ScriptedBroker implements MarketQuotePort {
  readonly name = 'scripted';
  polls = 0;
  closed = false;
  constructor(private readonly answers: Array<BrokerQuote[] | Error>) {}
  latestQuotes(): Promise<BrokerQuote[]> {
    const answer = this.answers[Math.min(this.polls, this.answers.length - 1)]!;
    this.polls += 1;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const quote = (symbol: string, timestamp: string, bid: string, ask: string): BrokerQuote => ({ symbol, timestamp, bid, ask, bidSize: '100', askSize: '100' });
const describeEvent = (event: MarketEvent) =>
  event.kind === 'quote' ? `quote ${event.quote.symbol} ${event.quote.timestamp.toISOString()} ${decString(event.quote.bid)}` : `bar ${event.bar.symbol} ${event.bar.timestamp.toISOString()} ${decString(event.bar.close)}`;

async function take(events: AsyncIterable<MarketEvent>, count: number): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) {
    seen.push(describeEvent(event));
    if (seen.length === count) break;
  }
  return seen;
}

describe('brokerSource', () => {
  it("yields each quote once with the broker's timestamp, and only the bars that began after it started", async () => {
    const broker = new ScriptedBroker([
      [quote('AAPL', '2024-07-02T14:00:59.500Z', '100', '100.02')],
      [quote('AAPL', '2024-07-02T14:00:59.500Z', '100', '100.02')],
      new Error('HTTP 503'),
      [quote('AAPL', '2024-07-02T14:01:10.000Z', '101', '101.02'), quote('MSFT', '2024-07-02T14:01:05.000Z', '400', '400.1')],
      [quote('AAPL', '2024-07-02T14:02:00.000Z', '102', '102.02')],
    ]);
    const failures: number[] = [];
    const stop = new AbortController();
    const source = brokerSource({
      port: broker,
      symbols: ['AAPL', 'MSFT'],
      pollMs: 1,
      barInterval: '1m',
      signal: stop.signal,
      onPollFailed: (_error, consecutive) => failures.push(consecutive),
      // The source starts at 14:00:30: the 14:00 bar is incomplete, the 14:01 bar whole.
      now: () => new Date('2024-07-02T14:00:30.000Z'),
    });
    expect([source.feed, source.barInterval, source.live]).toEqual(['broker:scripted', '1m', true]);
    expect(await take(source.events(), 4)).toEqual([
      'quote AAPL 2024-07-02T14:00:59.500Z 100',
      'quote MSFT 2024-07-02T14:01:05.000Z 400',
      'quote AAPL 2024-07-02T14:01:10.000Z 101',
      'bar AAPL 2024-07-02T14:02:00.000Z 101.01',
    ]);
    expect(failures).toEqual([1]);
    await source.close?.();
    expect(broker.closed).toBe(true);
  });

  it('ends at once when stopped, even between polls', async () => {
    const stop = new AbortController();
    const source = brokerSource({ port: new ScriptedBroker([[]]), symbols: ['AAPL'], pollMs: 60_000, barInterval: '1m', signal: stop.signal, onPollFailed: () => undefined });
    const ended = take(source.events(), 1);
    setTimeout(() => stop.abort(), 10);
    expect(await ended).toEqual([]);
  });
});
