import { ApiError, marketData } from '@alpacahq/alpaca-trade-api';
import { startBrokerSandbox, type BrokerSandboxOptions, type RunningBrokerSandbox } from './index';

/**
 * The sandbox's Market Data API v2 latest-quote routes, through the official SDK's `StockApi` where the
 * SDK has the call, on a local port. Ticks are driven by the test (tickMs 0), so every quote is known.
 */
let sandbox: RunningBrokerSandbox;

async function start(options: BrokerSandboxOptions = {}): Promise<RunningBrokerSandbox> {
  sandbox = await startBrokerSandbox({ port: 0, tickMs: 0, seed: 7, ...options });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
});

function stocks(target: RunningBrokerSandbox, secret = target.secret): marketData.StockApi {
  return new marketData.StockApi(new marketData.Configuration({ basePath: target.baseUrl, keyId: target.keyId, secret }));
}

function call(target: RunningBrokerSandbox, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { 'APCA-API-KEY-ID': target.keyId, 'APCA-API-SECRET-KEY': target.secret, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function feedQuote(target: RunningBrokerSandbox, symbol: string, bid: string, ask: string, size = '300'): Promise<void> {
  const response = await call(target, '/admin/quotes', 'POST', { symbol, bid, ask, bid_size: size, ask_size: size });
  expect(response.status).toBe(200);
}

async function failureOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the call succeeded; a failure was expected');
}

describe('market data: latest quotes', () => {
  it("answers each symbol's current venue quote in Alpaca's shape, through the SDK", async () => {
    const target = await start();
    await feedQuote(target, 'AAPL', '187.53', '187.57', '400');
    await feedQuote(target, 'MSFT', '410.1', '410.2');

    const answer = await stocks(target).stockLatestQuotes({ symbols: 'AAPL,MSFT', feed: 'iex' });
    expect(Object.keys(answer.quotes).sort()).toEqual(['AAPL', 'MSFT']);
    const venueQuote = target.venue.latestQuote('AAPL');
    expect(answer.quotes.AAPL).toMatchObject({ bp: 187.53, ap: 187.57, bs: 400, as: 400, bx: 'V', ax: 'V', c: ['R'], z: 'C' });
    expect(answer.quotes.AAPL!.t.toISOString()).toBe(venueQuote.at);

    // The wire carries the venue's decimals as written, not a float's rendering of them.
    const raw = await (await stocks(target).stockLatestQuotesRaw({ symbols: 'MSFT' })).raw.text();
    expect(raw).toContain('"bp":410.1,');
    expect(raw).toContain('"ap":410.2,');
  });

  it('answers the single-symbol route with the symbol and its quote', async () => {
    const target = await start();
    await feedQuote(target, 'SPY', '470.01', '470.03');
    const answer = await stocks(target).stockLatestQuoteSingle({ symbol: 'SPY' });
    expect(answer.symbol).toBe('SPY');
    expect(answer.quote).toMatchObject({ bp: 470.01, ap: 470.03 });
  });

  it('starts the walk of a symbol it did not know, and follows the walk as the venue ticks', async () => {
    const target = await start();
    expect(target.venue.book.lastQuotes.has('NVDA')).toBe(false);
    const first = (await stocks(target).stockLatestQuotes({ symbols: 'NVDA' })).quotes.NVDA!;
    expect(first.bp).toBeGreaterThan(0);
    expect(first.ap).toBeGreaterThan(first.bp);

    for (let step = 0; step < 5; step += 1) expect((await call(target, '/admin/tick', 'POST')).status).toBe(200);
    const ticked = (await stocks(target).stockLatestQuotes({ symbols: 'NVDA' })).quotes.NVDA!;
    const venueQuote = target.venue.latestQuote('NVDA');
    expect([String(ticked.bp), String(ticked.ap)]).toEqual([String(Number(venueQuote.bid)), String(Number(venueQuote.ask))]);
    expect(ticked.t.toISOString()).toBe(venueQuote.at);
  });

  it("refuses a bad symbol or parameter with 400 and Alpaca's {code, message}, and starts no walk", async () => {
    const target = await start();
    const badSymbol = await failureOf(stocks(target).stockLatestQuotes({ symbols: 'AAPL,bad$' }));
    expect([badSymbol.status, badSymbol.code, badSymbol.message]).toEqual([400, 40010001, 'invalid symbol: bad$']);
    expect(target.venue.book.lastQuotes.has('AAPL')).toBe(false);

    const badSingle = await failureOf(stocks(target).stockLatestQuoteSingle({ symbol: 'toolongsymbol1' }));
    expect(badSingle.status).toBe(400);
    expect(badSingle.message).toBe('invalid symbol: toolongsymbol1');

    // Calls the SDK will not make (it requires `symbols` and types `feed`), made directly.
    for (const [path, message] of [
      ['/v2/stocks/quotes/latest', 'symbols is required'],
      ['/v2/stocks/quotes/latest?symbols=AAPL,,MSFT', 'invalid symbols: entry 2 of "AAPL,,MSFT" is empty'],
      ['/v2/stocks/quotes/latest?symbols=AAPL&feed=nasdaq', expect.stringContaining('invalid feed: nasdaq')],
      ['/v2/stocks/quotes/latest?symbols=AAPL&currency=EUR', expect.stringContaining('invalid currency: EUR')],
    ] as const) {
      const response = await call(target, path);
      expect({ path, status: response.status, body: await response.json() }).toEqual({ path, status: 400, body: { code: 40010001, message } });
    }
    const wrongMethod = await call(target, '/v2/stocks/quotes/latest?symbols=AAPL', 'POST', {});
    expect(wrongMethod.status).toBe(404);
  });

  it('asks for the same credentials as the Trading API', async () => {
    const target = await start();
    const refused = await failureOf(stocks(target, 'not-the-secret').stockLatestQuotes({ symbols: 'AAPL' }));
    expect(refused.status).toBe(401);
  });

  it('counts market-data requests apart from trading requests', async () => {
    const target = await start({ rateLimit: { limit: 1, windowMs: 60_000 }, dataRateLimit: { limit: 3, windowMs: 60_000 } });
    for (let poll = 0; poll < 3; poll += 1) await stocks(target).stockLatestQuotes({ symbols: 'AAPL' });
    expect((await failureOf(stocks(target).stockLatestQuotes({ symbols: 'AAPL' }))).status).toBe(429);
    expect((await call(target, '/v2/account')).status).toBe(200);
    expect((await call(target, '/v2/account')).status).toBe(429);
  });

  it('applies injected faults to market-data paths like any other', async () => {
    const target = await start();
    expect((await call(target, '/admin/faults', 'POST', { method: 'GET', path: '/v2/stocks/quotes/latest', action: 'status', status: 503 })).status).toBe(200);
    expect((await failureOf(stocks(target).stockLatestQuotes({ symbols: 'AAPL' }))).status).toBe(503);
    expect((await stocks(target).stockLatestQuotes({ symbols: 'AAPL' })).quotes.AAPL).toBeDefined();
  });
});
