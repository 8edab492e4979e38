import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trading, ValidationError as AlpacaValidationError } from '@alpacahq/alpaca-trade-api';
import { BrokerRejectedError, BrokerUnavailableError, type BrokerUpdate, type OrderRequest } from '@tollgate/contracts';
import { startBrokerSandbox, type RunningBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { SecretValue } from '../credentials';
import { AlpacaBroker, type AlpacaBrokerOptions } from './alpaca-broker';

/**
 * The Alpaca adapter against the broker sandbox, through the official SDK, on a random local port.
 * The sandbox answers from its own state; quotes are fed by the test so every price is known.
 */
let sandbox: RunningBrokerSandbox;
let broker: AlpacaBroker;
let sequence = 0;

function brokerFor(target: RunningBrokerSandbox, options: Partial<AlpacaBrokerOptions> = {}): AlpacaBroker {
  return new AlpacaBroker({
    credentials: { baseUrl: target.baseUrl, keyId: target.keyId, secret: new SecretValue(target.secret), source: 'test' },
    timeoutMs: 5_000,
    rateLimit: false,
    reconnect: { initialMs: 50, maxMs: 200 },
    ...options,
  });
}

/** The sandbox's admin answers; only the order-log summary is read field by field here. */
type AdminReply = { summary: Record<string, number> } | null;

/** Waits for a condition instead of sleeping (platform libs may not import @tollgate/testing, so a local copy). */
async function waitFor<T>(probe: () => T | undefined | false, { timeoutMs = 10_000, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function admin(target: RunningBrokerSandbox, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<AdminReply> {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { 'APCA-API-KEY-ID': target.keyId, 'APCA-API-SECRET-KEY': target.secret, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.status === 204 ? null : ((await response.json()) as AdminReply);
}

function quote(target: RunningBrokerSandbox, symbol: string, bid: string, ask: string, size = '1000000') {
  return admin(target, '/admin/quotes', { symbol, bid, ask, bid_size: size, ask_size: size });
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  sequence += 1;
  return { clientOrderId: `tg-${sequence}-${Date.now()}`, symbol: 'AAPL', side: 'buy', type: 'market', quantity: '10', timeInForce: 'day', ...overrides };
}

beforeEach(async () => {
  sandbox = await startBrokerSandbox({ port: 0, tickMs: 0, seed: 7 });
  broker = brokerFor(sandbox);
  await quote(sandbox, 'AAPL', '99.99', '100.01');
  await quote(sandbox, 'MSFT', '399.95', '400.05');
});

afterEach(async () => {
  await broker.close();
  await sandbox.close();
});

describe('AlpacaBroker against the broker sandbox', () => {
  it('submits with our client order id and finds the order by it', async () => {
    const request = order({ type: 'limit', limitPrice: '95', timeInForce: 'gtc' });
    const submitted = await broker.submit(request);
    expect(submitted).toMatchObject({ clientOrderId: request.clientOrderId, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '10', limitPrice: '95' });
    expect(await broker.getOrder(request.clientOrderId)).toMatchObject({ brokerOrderId: submitted.brokerOrderId, status: 'new' });
    expect((await broker.openOrders()).map((item) => item.clientOrderId)).toEqual([request.clientOrderId]);
    expect(await broker.getOrder('never-sent')).toBeNull();
  });

  it('refuses a duplicate client order id at the venue, and the adapter answers a retried submit with the one order', async () => {
    const request = order();
    const sdk = new trading.OrdersApi(new trading.Configuration({ basePath: sandbox.baseUrl, keyId: sandbox.keyId, secret: sandbox.secret }));
    const body = { clientOrderId: request.clientOrderId, symbol: 'AAPL', qty: '10', side: 'buy' as const, type: 'market' as const, timeInForce: 'day' as const };
    await sdk.postOrder({ postOrderRequest: body });
    const refusal = await sdk.postOrder({ postOrderRequest: body }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AlpacaValidationError);
    expect((refusal as AlpacaValidationError).status).toBe(422);
    expect((refusal as AlpacaValidationError).message).toBe('client_order_id must be unique');

    const retried = await broker.submit(request);
    expect(retried.clientOrderId).toBe(request.clientOrderId);
    await expect(broker.submit({ ...request, quantity: '11' })).rejects.toBeInstanceOf(BrokerRejectedError);
    const log = await admin(sandbox, '/admin/order-log');
    expect(log?.summary).toMatchObject({ received: 4, accepted: 1, refusedAsDuplicate: 3 });
  });

  it('cancels a working order, accepts a repeated cancel, and refuses to cancel a filled one', async () => {
    const resting = order({ type: 'limit', limitPrice: '90' });
    await broker.submit(resting);
    await broker.cancel(resting.clientOrderId);
    expect((await broker.getOrder(resting.clientOrderId))?.status).toBe('canceled');
    await broker.cancel(resting.clientOrderId);
    const filled = order();
    await broker.submit(filled);
    await expect(broker.cancel(filled.clientOrderId)).rejects.toThrow(BrokerRejectedError);
    await expect(broker.cancel('never-sent')).rejects.toThrow(BrokerRejectedError);
  });

  it('replaces an order under a new client order id, idempotently', async () => {
    const original = order({ type: 'limit', limitPrice: '90', timeInForce: 'gtc' });
    await broker.submit(original);
    const changes = { newClientOrderId: `${original.clientOrderId}-r1`, limitPrice: '91', quantity: '5' };
    const replacement = await broker.replace(original.clientOrderId, changes);
    expect(replacement).toMatchObject({ clientOrderId: changes.newClientOrderId, limitPrice: '91', quantity: '5' });
    expect((await broker.getOrder(original.clientOrderId))?.status).toBe('replaced');
    const again = await broker.replace(original.clientOrderId, changes).catch((error: unknown) => error);
    // The original is no longer working, so a repeated replace is refused by the venue rather than doubled.
    expect(again).toBeInstanceOf(BrokerRejectedError);
    expect((await broker.openOrders()).map((item) => item.clientOrderId)).toEqual([changes.newClientOrderId]);
  });

  it('reports positions and cash the venue computed from its fills', async () => {
    await broker.submit(order({ quantity: '10' }));
    await broker.submit(order({ symbol: 'MSFT', side: 'sell_short', quantity: '2' }));
    const positions = await broker.positions();
    expect(positions).toEqual([
      { symbol: 'AAPL', quantity: '10', averagePrice: '100.01' },
      { symbol: 'MSFT', quantity: '-2', averagePrice: '399.95' },
    ]);
    const account = await broker.account();
    expect(account).toMatchObject({ accountId: sandbox.accountId, currency: 'USD', cash: '99799.8' });
  });

  it('pages account activities with a cursor: every fill once, oldest first', async () => {
    const paged = brokerFor(sandbox, { activityPageSize: 2 });
    await quote(sandbox, 'AAPL', '99.99', '100.01', '100');
    const large = order({ quantity: '250' });
    await paged.submit(large);
    await quote(sandbox, 'AAPL', '100.00', '100.02', '100');
    await quote(sandbox, 'AAPL', '100.01', '100.03', '100');
    for (let index = 0; index < 2; index += 1) await paged.submit(order({ symbol: 'MSFT', quantity: '1' }));

    const first = await paged.fillsSince(null);
    expect(first.fills.map((fill) => [fill.symbol, fill.quantity, fill.price])).toEqual([
      ['AAPL', '100', '100.01'],
      ['AAPL', '100', '100.02'],
      ['AAPL', '50', '100.03'],
      ['MSFT', '1', '400.05'],
      ['MSFT', '1', '400.05'],
    ]);
    expect(first.fills.slice(0, 3).every((fill) => fill.clientOrderId === large.clientOrderId)).toBe(true);
    expect(new Set(first.fills.map((fill) => fill.fillId)).size).toBe(5);
    expect(await paged.fillsSince(first.cursor)).toEqual({ fills: [], cursor: first.cursor });
    await paged.submit(order({ quantity: '1' }));
    const next = await paged.fillsSince(first.cursor);
    expect(next.fills.map((fill) => fill.quantity)).toEqual(['1']);
    await paged.close();
  });

  it('streams trade updates whose fills carry the same ids as the backfill', async () => {
    const updates: BrokerUpdate[] = [];
    broker.onUpdate((update) => updates.push(update));
    expect(await broker.whenStreamListening()).toBe(true);
    const request = order({ quantity: '3' });
    await broker.submit(request);
    const fill = await waitFor(() => updates.find((update) => update.kind === 'fill'), { what: 'fill on the stream' });
    expect(updates[0]).toMatchObject({ kind: 'accepted', order: { clientOrderId: request.clientOrderId } });
    const backfill = await broker.fillsSince(null);
    expect(fill.kind === 'fill' && fill.fill.fillId).toBe(backfill.fills[0]!.fillId);

    const resting = order({ type: 'limit', limitPrice: '80' });
    await broker.submit(resting);
    await broker.replace(resting.clientOrderId, { newClientOrderId: `${resting.clientOrderId}-r`, limitPrice: '81' });
    const replaced = await waitFor(() => updates.find((update) => update.kind === 'replaced'), { what: 'replaced on the stream' });
    expect(replaced.kind === 'replaced' && replaced.replacedBy.clientOrderId).toBe(`${resting.clientOrderId}-r`);
    await broker.cancel(`${resting.clientOrderId}-r`);
    await waitFor(() => updates.find((update) => update.kind === 'canceled'), { what: 'canceled on the stream' });
  });

  it('reports a stream disconnect and reconnect, and the fills missed meanwhile come back through fillsSince', async () => {
    const updates: BrokerUpdate[] = [];
    broker.onUpdate((update) => updates.push(update));
    await broker.whenStreamListening();
    const before = await broker.fillsSince(null);
    await admin(sandbox, '/admin/stream/disconnect', { refuse_ms: 300 });
    await waitFor(() => updates.some((update) => update.kind === 'disconnected'), { what: 'disconnected' });
    const missed = order({ quantity: '4' });
    await broker.submit(missed);
    await waitFor(() => updates.some((update) => update.kind === 'reconnected'), { what: 'reconnected' });
    expect(updates.some((update) => update.kind === 'fill')).toBe(false);
    const after = await broker.fillsSince(before.cursor);
    expect(after.fills.map((fill) => [fill.clientOrderId, fill.quantity])).toEqual([[missed.clientOrderId, '4']]);
  });

  it('turns 429 into an unknown outcome, and the SDK retry of a query waits it out', async () => {
    await admin(sandbox, '/admin/rate-limit', { limit: 2, window_ms: 400 });
    const strict = brokerFor(sandbox, { retry: false });
    await strict.positions();
    await strict.positions();
    await expect(strict.positions()).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect(strict.submit(order())).rejects.toThrow(/HTTP 429/);
    const patient = brokerFor(sandbox, { retry: { maxRetries: 3, retryDelayMs: 100, maxDelayMs: 1000 } });
    await expect(patient.account()).resolves.toMatchObject({ accountId: sandbox.accountId });
    await strict.close();
    await patient.close();
  });

  it('resolves a lost submit answer by looking the client order id up, never by sending a second order', async () => {
    await admin(sandbox, '/admin/faults', { method: 'POST', path: '/v2/orders', action: 'drop_after_processing' });
    const request = order();
    await expect(broker.submit(request)).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(await broker.getOrder(request.clientOrderId)).toMatchObject({ clientOrderId: request.clientOrderId });
    await broker.submit(request);
    const log = await admin(sandbox, '/admin/order-log');
    expect(log?.summary).toMatchObject({ accepted: 1, refusedAsDuplicate: 1 });
  });

  it('maps time-outs and 5xx to unknown, and venue refusals to rejected', async () => {
    const hasty = brokerFor(sandbox, { timeoutMs: 150, retry: false });
    await admin(sandbox, '/admin/faults', { method: 'POST', path: '/v2/orders', action: 'delay_after_processing', delay_ms: 600 });
    await expect(hasty.submit(order())).rejects.toBeInstanceOf(BrokerUnavailableError);
    await admin(sandbox, '/admin/faults', { path: '/v2/positions', action: 'status', status: 503 });
    await expect(hasty.positions()).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect(broker.submit(order({ quantity: '100000' }))).rejects.toThrow(/insufficient buying power/);
    await expect(broker.submit(order({ symbol: 'bad symbol' }))).rejects.toBeInstanceOf(BrokerRejectedError);
    await hasty.close();
  });
});

describe('the broker sandbox across its own restart', () => {
  it('keeps orders, fills, positions, credentials and client order id uniqueness', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-sandbox-'));
    try {
      const first = await startBrokerSandbox({ port: 0, tickMs: 0, dataDir });
      const before = brokerFor(first);
      await quote(first, 'AAPL', '99.99', '100.01', '100');
      const partly = order({ quantity: '150' });
      await before.submit(partly);
      const resting = order({ type: 'limit', limitPrice: '50', timeInForce: 'gtc' });
      await before.submit(resting);
      const fillsBefore = await before.fillsSince(null);
      const positionsBefore = await before.positions();
      const accountBefore = await before.account();
      await before.close();
      await first.close();

      const second = await startBrokerSandbox({ port: 0, tickMs: 0, dataDir });
      expect(second.restoredRecords).toBeGreaterThan(0);
      expect([second.keyId, second.secret, second.accountId]).toEqual([first.keyId, first.secret, first.accountId]);
      const after = brokerFor(second);
      expect(await after.fillsSince(null)).toEqual(fillsBefore);
      expect(await after.positions()).toEqual(positionsBefore);
      expect((await after.account()).cash).toBe(accountBefore.cash);
      expect((await after.openOrders()).map((item) => [item.clientOrderId, item.filledQuantity]).sort()).toEqual(
        [
          [partly.clientOrderId, '100'],
          [resting.clientOrderId, '0'],
        ].sort(),
      );
      // The remainder of the partly filled order still executes on the next quote after the restart.
      await quote(second, 'AAPL', '100.00', '100.02', '100');
      expect((await after.getOrder(partly.clientOrderId))?.status).toBe('filled');
      await after.submit({ ...partly });
      expect((await admin(second, '/admin/order-log'))?.summary).toMatchObject({ accepted: 2, refusedAsDuplicate: 1 });
      await after.close();
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
