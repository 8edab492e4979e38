import { feedStreamId, marketDataStreamId, subjects, type QuoteMessage } from '@tollgate/contracts';
import { nyseCalendar, type ExchangeCalendar } from '@tollgate/domain/calendar';
import { startBrokerSandbox, type RunningBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { createEventStore, type SqlEventStore } from '@tollgate/event-store';
import { dec, Decimal } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { createTestDatabase, waitFor, type TestDatabase } from '@tollgate/testing';
import { MarketDataFeed, type MarketDataOptions } from './market-data.handlers';

/**
 * SANDBOX_PAPER market data end to end: the broker sandbox on a random port ticking its price walk every
 * 100 ms, the market-data service polling it through the Alpaca adapter (built from APCA_* through the
 * C19 check) on real PostgreSQL and the in-process bus.
 */
const logger = createLogger({ serviceName: 'market-data-broker-spec', level: 'silent' });
const SYMBOLS = ['AAPL', 'MSFT'];
const FEED = 'broker:alpaca';

/**
 * NYSE's calendar, but always in session: the stale-feed detector only watches during the session, and
 * this test must show it watching whatever the hour it runs at.
 */
function alwaysOpen(): ExchangeCalendar {
  const nyse = nyseCalendar();
  const sessionAround = (instant: Date) => ({
    date: nyse.exchangeDate(instant),
    open: new Date(instant.getTime() - 3_600_000),
    close: new Date(instant.getTime() + 3_600_000),
    earlyClose: false,
    lateOpen: false,
    note: null,
  });
  return Object.assign(Object.create(nyse) as ExchangeCalendar, { sessionAt: sessionAround, isMarketOpen: () => true });
}

let database: TestDatabase;
let store: SqlEventStore;
let bus: InProcessBus;
let sandbox: RunningBrokerSandbox;
let feed: MarketDataFeed | undefined;

beforeEach(async () => {
  database = await createTestDatabase();
  store = await createEventStore({ databaseUrl: database.url });
  bus = new InProcessBus({ logger });
  sandbox = await startBrokerSandbox({ port: 0, tickMs: 100, seed: 11, dataRateLimit: { limit: 100_000, windowMs: 60_000 } });
});

afterEach(async () => {
  await feed?.beforeApplicationShutdown();
  feed = undefined;
  await sandbox.close();
  await bus.close();
  await store.close();
  await database.drop();
});

function feedFor(overrides: Partial<MarketDataOptions> = {}): MarketDataFeed {
  feed = new MarketDataFeed(store, bus, logger, {
    source: 'broker',
    mode: 'SANDBOX_PAPER',
    dryRun: false,
    env: { APCA_API_BASE_URL: sandbox.baseUrl, APCA_API_KEY_ID: sandbox.keyId, APCA_API_SECRET_KEY: sandbox.secret },
    pollMs: 50,
    barInterval: '1s',
    speed: 60,
    seed: 1,
    symbols: SYMBOLS,
    syntheticTradingDays: 1,
    quotesPerBar: 4,
    staleAfterSeconds: 2,
    barBatchSize: 500,
    barFlushIntervalMs: 100,
    rejectionsRecordedPerKey: 10,
    resume: true,
    calendar: alwaysOpen(),
    ...overrides,
  });
  return feed;
}

const same = (a: string, b: string) => dec(a).eq(dec(b));

describe('market data in SANDBOX_PAPER', () => {
  it("publishes the sandbox's own quotes on its clock, records bars built from them, and stays fresh while the sandbox ticks", async () => {
    const published: QuoteMessage[] = [];
    for (const symbol of SYMBOLS) await bus.subscribe<QuoteMessage>(subjects.quote(symbol), (message) => void published.push(message));
    const service = feedFor();
    const startedAt = Date.now();
    await service.onApplicationBootstrap();

    // Each published quote is the venue's quote of that instant: caught when the venue's latest is one we published.
    const compared = new Set<QuoteMessage>();
    for (const symbol of SYMBOLS) {
      for (let matched = 0; matched < 3; matched += 1) {
        const { venue, message } = await waitFor(
          () => {
            const current = sandbox.venue.latestQuote(symbol);
            const seen = published.find((item) => item.symbol === symbol && item.timestamp === current.at && !compared.has(item));
            return seen && { venue: current, message: seen };
          },
          { what: `a published ${symbol} quote equal to the sandbox's latest` },
        );
        compared.add(message);
        expect([same(message.bid, venue.bid), same(message.ask, venue.ask), same(message.bidSize, venue.bidSize)]).toEqual([true, true, true]);
      }
    }
    const wallClockSkew = Math.abs(Date.parse(published.at(-1)!.timestamp) - Date.now());
    expect(wallClockSkew).toBeLessThan(5_000);

    // Bars: 1 s, epoch-aligned, OHLC of the mids of exactly the quotes published inside each interval.
    const bars = await waitFor(
      async () => {
        const recorded = (await store.readStream(marketDataStreamId('AAPL'))).filter((event) => event.type === 'BarRecorded');
        return recorded.length >= 3 && recorded;
      },
      { timeoutMs: 20_000, what: 'three AAPL bars recorded' },
    );
    for (const event of bars) {
      const bar = event.data as { timestamp: string; open: string; high: string; low: string; close: string; volume: string; interval: string; source: string };
      expect([bar.source, bar.interval, bar.volume, Date.parse(bar.timestamp) % 1_000]).toEqual([FEED, '1s', '0', 0]);
      const end = Date.parse(bar.timestamp);
      const mids = published
        .filter((quote) => quote.symbol === 'AAPL' && Date.parse(quote.timestamp) >= end - 1_000 && Date.parse(quote.timestamp) < end)
        .map((quote) => dec(quote.bid).plus(dec(quote.ask)).div(2));
      expect(mids.length).toBeGreaterThan(0);
      expect([bar.open, bar.high, bar.low, bar.close].map((value) => dec(value).toFixed())).toEqual(
        [mids[0]!, Decimal.max(...mids), Decimal.min(...mids), mids.at(-1)!].map((value) => value.toFixed()),
      );
    }

    // Three whole 1 s bars after the start: longer than the 2 s stale threshold has passed while the sandbox
    // ticked, and nothing went stale or was rejected.
    expect(Date.now() - startedAt).toBeGreaterThan(3_000);
    expect((await store.readStream(feedStreamId(FEED))).map((event) => event.type)).toEqual([]);
    expect(service.status()).toMatchObject({ feed: FEED, speed: 1, state: 'running', stale: [], rejected: {} });

    // The detector is watching: when the broker stops answering, the feed goes stale on the wall clock.
    await sandbox.close();
    const stale = await waitFor(
      async () => (await store.readStream(feedStreamId(FEED))).find((event) => event.type === 'MarketDataStale' && (event.data as { symbol: string | null }).symbol === null),
      { timeoutMs: 15_000, what: 'MarketDataStale once the sandbox stopped' },
    );
    expect(Math.abs(Date.parse((stale.data as { detectedAt: string }).detectedAt) - Date.now())).toBeLessThan(5_000);
    sandbox = await startBrokerSandbox({ port: 0, tickMs: 0 });

    const stopping = Date.now();
    await service.beforeApplicationShutdown();
    feed = undefined;
    expect(Date.now() - stopping).toBeLessThan(2_000);
    expect(service.status().state).toBe('stopped');
  });

  it("refuses a replayed market in SANDBOX_PAPER and LIVE, naming the setting, and the broker source in SIMULATED", async () => {
    await expect(feedFor({ source: 'synthetic' }).onApplicationBootstrap()).rejects.toThrow(
      /^TOLLGATE_MARKET_DATA=synthetic is refused in SANDBOX_PAPER: its prices and clock are not the broker's/,
    );
    feed = undefined;
    await expect(feedFor({ source: 'bars.csv', mode: 'LIVE' }).onApplicationBootstrap()).rejects.toThrow(/^TOLLGATE_MARKET_DATA=bars\.csv is refused in LIVE/);
    feed = undefined;
    await expect(feedFor({ mode: 'SIMULATED' }).onApplicationBootstrap()).rejects.toThrow(/^TOLLGATE_MARKET_DATA=broker needs SANDBOX_PAPER or LIVE/);
    feed = undefined;
  });
});
