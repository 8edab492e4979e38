import { BrokerRejectedError, BrokerUnavailableError } from '@tollgate/contracts';
import { dec, decString } from '@tollgate/kernel';
import { startBrokerSandbox, type RunningBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { SecretValue } from '../credentials';
import { AlpacaMarketData, createMarketQuotesFor } from './alpaca-market-data';

/**
 * The market-data adapter against the broker sandbox on a random local port, through the official SDK:
 * the quotes it reads are the venue's own, to the digit.
 */
let sandbox: RunningBrokerSandbox;

beforeEach(async () => {
  sandbox = await startBrokerSandbox({ port: 0, tickMs: 0, seed: 3 });
});

afterEach(async () => {
  await sandbox.close();
});

function adapter(target: RunningBrokerSandbox, secret = target.secret): AlpacaMarketData {
  return new AlpacaMarketData({
    credentials: { baseUrl: target.baseUrl, keyId: target.keyId, secret: new SecretValue(secret), source: 'test' },
    dataBaseUrl: target.baseUrl,
    rateLimit: false,
    timeoutMs: 2_000,
  });
}

async function admin(path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret, 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  expect(response.status).toBe(200);
}

describe('AlpacaMarketData against the broker sandbox', () => {
  it("reads each symbol's venue quote as exact decimals with the venue's timestamp, and follows the walk", async () => {
    await admin('/admin/quotes', { symbol: 'AAPL', bid: '187.10', ask: '187.30', bid_size: '200', ask_size: '300' });
    const quotes = await adapter(sandbox).latestQuotes(['AAPL', 'MSFT']);
    const bySymbol = new Map(quotes.map((quote) => [quote.symbol, quote]));
    expect(bySymbol.get('AAPL')).toEqual({ symbol: 'AAPL', bid: '187.1', ask: '187.3', bidSize: '200', askSize: '300', timestamp: sandbox.venue.latestQuote('AAPL').at });

    await admin('/admin/tick');
    const msft = sandbox.venue.latestQuote('MSFT');
    const [after] = await adapter(sandbox).latestQuotes(['MSFT']);
    // Same decimals; the adapter writes them in plain form ("342.80" → "342.8").
    const plain = (text: string) => decString(dec(text));
    expect(after).toEqual({ symbol: 'MSFT', bid: plain(msft.bid), ask: plain(msft.ask), bidSize: msft.bidSize, askSize: msft.askSize, timestamp: msft.at });
  });

  it('reports a refused request as rejected, and a venue that does not answer as unavailable', async () => {
    await expect(adapter(sandbox).latestQuotes(['AAPL', 'bad$'])).rejects.toThrow(BrokerRejectedError);
    await expect(adapter(sandbox).latestQuotes(['AAPL', 'bad$'])).rejects.toThrow(/HTTP 400: invalid symbol: bad\$/);
    await expect(adapter(sandbox, 'wrong').latestQuotes(['AAPL'])).rejects.toThrow(/HTTP 401/);
    await admin('/admin/faults', { method: 'GET', path: '/v2/stocks/', action: 'status', status: 503 });
    await expect(adapter(sandbox).latestQuotes(['AAPL'])).rejects.toThrow(BrokerUnavailableError);
    const closed = adapter(sandbox);
    await sandbox.close();
    await expect(closed.latestQuotes(['AAPL'])).rejects.toThrow(BrokerUnavailableError);
    sandbox = await startBrokerSandbox({ port: 0, tickMs: 0 });
  });

  it('is built through the C19 check, from the APCA_* variables, pointed at the sandbox', async () => {
    const env = { APCA_API_BASE_URL: sandbox.baseUrl, APCA_API_KEY_ID: sandbox.keyId, APCA_API_SECRET_KEY: sandbox.secret };
    const quotes = await createMarketQuotesFor({ mode: 'SANDBOX_PAPER', dryRun: false, env, alpaca: { rateLimit: false } }).latestQuotes(['SPY']);
    expect(quotes.map((quote) => quote.symbol)).toEqual(['SPY']);
    expect(() => createMarketQuotesFor({ mode: 'SANDBOX_PAPER', dryRun: false, env: { ...env, APCA_API_KEY_ID: 'AKLIVE' } })).toThrow(/configuration was refused: .*holds a live key/);
    expect(() => createMarketQuotesFor({ mode: 'SIMULATED', dryRun: false, env })).toThrow(/SIMULATED mode has no broker market data/);
  });
});
