import { randomUUID } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { handleCommand, loadRuntimeConfig, RUNTIME_CONFIG } from '@tollgate/application';
import { commandSubjects, subjects, type RiskCheckResponse } from '@tollgate/contracts';
import { clientOrderIdFor, orderDecider, orderIdFor, orderStreamId, type OrderCommand } from '@tollgate/domain/order';
import { PreTradeRiskEngine } from '@tollgate/domain/risk';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { dec } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { createTestDatabase, waitFor, type TestDatabase } from '@tollgate/testing';
import type { BreakerScopeView } from '../circuit-breakers/circuit-breakers.commands';
import { CircuitBreakersModule } from '../circuit-breakers/circuit-breakers.module';
import type { RiskStateView } from './risk.commands';
import { RiskHandlers } from './risk.handlers';
import { DEFAULT_SANDBOX_PAPER_LIMITS_FILE, RiskModule, type RiskModuleOptions } from './risk.module';

/**
 * Risk and the circuit breakers in SANDBOX_PAPER on a real PostgreSQL store, fed the events the
 * reconciliation service records (readiness, the opening cash, adopted fills, adjustments) the way it
 * records them, and asked over the bus the way execution and the CLI ask.
 */
jest.setTimeout(60_000);

const ACCOUNT = 'ACC1';
const SCOPE = `account:${ACCOUNT}`;
const OPENING_CASH = '100000';

let database: TestDatabase;
let store: EventStore;
let bus: InProcessBus;
let app: INestMicroservice | undefined;

async function append(streamId: string, type: string, data: unknown): Promise<void> {
  await store.append(streamId, 'any', [{ id: randomUUID(), type, data, metadata: { correlationId: randomUUID(), causationId: null, actor: 'system:reconciliation' }, occurredAt: new Date().toISOString() }]);
}

const readiness = (ready: boolean, reasons: string[] = []) =>
  append(`readiness-${ACCOUNT}`, 'TradingReadinessChanged', { accountId: ACCOUNT, broker: 'alpaca', ready, reasons, at: new Date().toISOString() });

/** What reconciliation records the first time it reads the broker's cash: the opening balance. */
const openingBalance = (cashBefore = '0') =>
  append(`reconciliation-${ACCOUNT}`, 'CashAdjusted', {
    adjustmentId: randomUUID(),
    breakId: randomUUID(),
    accountId: ACCOUNT,
    currency: 'USD',
    cashBefore,
    cashAfter: OPENING_CASH,
    reason: 'opening balance: Tollgate held no cash figure for this account',
    adjustedAt: new Date().toISOString(),
  });

const state = () => bus.request<RiskStateView>(commandSubjects.risk.state, {});

function quote(symbol: string, bid: string, ask: string): void {
  bus.publish(subjects.quote(symbol), { timestamp: new Date().toISOString(), symbol, bid, ask, bidSize: '100', askSize: '100' });
}

async function quoteSeen(symbol: string, bid: string, ask: string): Promise<void> {
  const mid = dec(bid).plus(dec(ask)).div(2);
  quote(symbol, bid, ask);
  await waitFor(async () => (await state()).referencePrices.some((reference) => reference.symbol === symbol && dec(reference.mid).equals(mid)), { what: `risk to see the ${symbol} quote` });
}

function check(order: { intentId?: string; strategy?: string | null; symbol?: string; quantity?: string; limitPrice?: string } = {}): Promise<RiskCheckResponse> {
  const intentId = order.intentId ?? randomUUID();
  return bus.request<RiskCheckResponse>(commandSubjects.risk.checkOrder, {
    order: {
      action: 'submit',
      accountId: ACCOUNT,
      strategy: order.strategy ?? null,
      intentId,
      clientOrderId: clientOrderIdFor(intentId),
      symbol: order.symbol ?? 'AAPL',
      side: 'buy',
      type: 'limit',
      timeInForce: 'day',
      quantity: order.quantity ?? '10',
      limitPrice: order.limitPrice ?? '100',
      origin: order.strategy ? 'strategy' : 'manual',
      autoApproved: false,
      at: new Date().toISOString(),
    },
    context: { orderId: orderIdFor(intentId), mode: 'SANDBOX_PAPER', dryRun: false, actor: 'user:dana' },
  });
}

/** Waits until risk has folded everything stored so far (its own appends and ours). */
async function settled(): Promise<void> {
  await risk().projection.settle();
}

function risk(): RiskHandlers {
  return app!.get(RiskHandlers);
}

/** Risk and the circuit breakers as `tollgate run --mode sandbox-paper` hosts them; `risk` overrides what the module would choose. */
async function start(overrides: RiskModuleOptions = {}): Promise<void> {
  const config = loadRuntimeConfig({ mode: 'SANDBOX_PAPER', accountId: ACCOUNT, dataDir: 'memory://unused', symbols: ['AAPL', 'MSFT'] });
  app = await createServiceApp({
    serviceName: 'risk',
    bus,
    eventStore: store,
    imports: [RiskModule.forRoot(config, overrides), CircuitBreakersModule.forRoot(config, { tickMs: 50 })],
    providers: [{ provide: RUNTIME_CONFIG, useValue: config }],
  });
}

beforeEach(async () => {
  database = await createTestDatabase('risk_paper');
  store = await createEventStore({ databaseUrl: database.url });
  bus = new InProcessBus();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await bus.close();
  await store.close();
  await database.drop();
});

describe('SANDBOX_PAPER: readiness, the seeded limits and the broker’s cash', () => {
  it('seeds config/limits.sandbox-paper.json, denies until reconciliation says ready and the cash is known, halts again when not ready, and never blocks a cancel', async () => {
    await start();
    const seeded = await store.readStream('risklimits-global');
    expect(seeded).toHaveLength(1);
    expect(seeded[0]!.metadata.actor).toBe('system:bootstrap');
    expect((seeded[0]!.data as { reason: string }).reason).toContain('SANDBOX_PAPER');
    expect(Object.keys((seeded[0]!.data as { limits: { accounts: object } }).limits.accounts)).toEqual([ACCOUNT]);

    await quoteSeen('AAPL', '99.99', '100.01');
    const never = await check();
    expect(never.allowed).toBe(false);
    expect(!never.allowed && never.reasons[0]).toMatch(new RegExp(`^TRADING_HALTED: scope=${SCOPE}, cause=reconciliation:not_ready \\(no start-up sync`));
    const before = await state();
    expect(before.readiness).toMatchObject({ enforced: true, ready: null });
    expect(before.tradingStates).toContainEqual(expect.objectContaining({ scope: SCOPE, status: 'HALTED', cause: 'reconciliation:not_ready', source: 'readiness' }));

    await readiness(true);
    await openingBalance();
    await settled();
    const ready = await state();
    expect(ready.equity).toBe(OPENING_CASH);
    expect(ready.readiness).toMatchObject({ enforced: false, ready: true });
    expect(ready.tradingStates.filter((entry) => entry.scope === SCOPE)).toEqual([]);
    expect(await check()).toEqual({ allowed: true });

    await readiness(false, ['the broker connection is down']);
    await settled();
    const halted = await check({ limitPrice: '99.5' });
    expect(halted.allowed).toBe(false);
    expect(!halted.allowed && halted.reasons).toContain(`TRADING_HALTED: scope=${SCOPE}, cause=reconciliation:not_ready (the broker connection is down)`);
    // Cancels never ask the service (the check-order contract has no cancel); the engine the service runs on its live book lets every one through.
    const cancel = new PreTradeRiskEngine().check(
      { action: 'cancel', accountId: ACCOUNT, clientOrderId: clientOrderIdFor(randomUUID()), at: new Date() },
      risk().projection.book,
    );
    expect(cancel.verdict).toBe('allow');
  });

  it('keeps an operator HALT after readiness becomes ready, and keeps not-ready HALTED after the operator releases', async () => {
    await start();
    await quoteSeen('AAPL', '99.99', '100.01');
    await bus.request(commandSubjects.risk.setTradingState, { scope: SCOPE, to: 'HALTED', reason: 'broker maintenance', actor: 'user:dana' });
    await readiness(true);
    await openingBalance();
    await settled();
    const operatorHalt = await check();
    expect(operatorHalt).toEqual({ allowed: false, reasons: [`TRADING_HALTED: scope=${SCOPE}, cause=operator`] });

    await readiness(false, ['a reconciliation break with policy halt is open']);
    await bus.request(commandSubjects.risk.setTradingState, { scope: SCOPE, to: 'ACTIVE', reason: 'maintenance over', actor: 'user:rita', role: 'risk' });
    await settled();
    const notReady = await check({ limitPrice: '99.9' });
    expect(notReady).toEqual({ allowed: false, reasons: [`TRADING_HALTED: scope=${SCOPE}, cause=reconciliation:not_ready (a reconciliation break with policy halt is open)`] });

    await readiness(true);
    await settled();
    expect(await check({ limitPrice: '99.8' })).toEqual({ allowed: true });
  });

  it('counts a fill once whether it came as BrokerFillAdopted or OrderFilled, gives it to the order’s strategy, and the breakers’ equity starts from CashAdjusted', async () => {
    await start();
    await readiness(true);
    await openingBalance();
    await quoteSeen('AAPL', '101.99', '102.01');

    // Execution records the intent, risk allows it (naming the strategy), the broker accepts it.
    const intentId = randomUUID();
    const orderId = orderIdFor(intentId);
    const apply = (command: OrderCommand, commandId: string) =>
      handleCommand({ store, streamId: orderStreamId(orderId), decider: orderDecider, command, commandId, metadata: { correlationId: intentId, actor: 'system:execution' }, occurredAt: new Date() });
    const now = () => ({ now: new Date() });
    await apply({ type: 'InitializeOrder', data: { orderId, intentId, intentKind: 'proposal', symbol: 'AAPL', side: 'buy', type: 'limit', timeInForce: 'day', quantity: '10', limitPrice: '102' }, metadata: now() }, 'init');
    await settled();
    expect(await check({ intentId, strategy: 'trend', limitPrice: '102' })).toEqual({ allowed: true });
    await apply({ type: 'SubmitOrder', data: {}, metadata: now() }, 'submit');
    await apply({ type: 'AcceptOrder', data: { brokerOrderId: 'broker-1', via: 'venue' }, metadata: now() }, 'accept');

    // Sync adopts the fill first (execution missed it), then execution records the same fill.
    const fill = { fillId: 'broker-1/10', quantity: '10', price: '102', fee: '1.5' };
    await append(`sync-${ACCOUNT}`, 'BrokerFillAdopted', {
      accountId: ACCOUNT,
      broker: 'alpaca',
      fillId: fill.fillId,
      brokerOrderId: 'broker-1',
      clientOrderId: clientOrderIdFor(intentId),
      symbol: 'AAPL',
      side: 'buy',
      quantity: fill.quantity,
      price: fill.price,
      fee: fill.fee,
      filledAt: new Date().toISOString(),
    });
    await settled();
    const adopted = await state();
    await apply({ type: 'FillOrder', data: { ...fill, brokerOrderId: 'broker-1' }, metadata: now() }, 'fill');
    await settled();
    const both = await state();

    expect(adopted.positions).toEqual([{ strategy: 'trend', symbol: 'AAPL', quantity: fill.quantity }]);
    expect(both.positions).toEqual(adopted.positions);
    const mark = dec('101.99').plus(dec('102.01')).div(2);
    const expectedEquity = dec(OPENING_CASH).minus(dec(fill.quantity).times(fill.price)).minus(fill.fee).plus(dec(fill.quantity).times(mark));
    expect(dec(both.equity!).equals(expectedEquity)).toBe(true);
    expect(both.equity).toBe(adopted.equity);

    // The broker's position taken as truth moves the account's position, with no strategy.
    await append(`reconciliation-${ACCOUNT}`, 'PositionAdjusted', {
      adjustmentId: randomUUID(),
      breakId: randomUUID(),
      accountId: ACCOUNT,
      symbol: 'MSFT',
      quantityBefore: '0',
      quantityAfter: '3',
      averagePriceBefore: '0',
      averagePriceAfter: '400',
      reason: 'adopted broker truth',
      adjustedAt: new Date().toISOString(),
    });
    await settled();
    expect((await state()).positions).toEqual(expect.arrayContaining([{ strategy: null, symbol: 'MSFT', quantity: '3' }, { strategy: 'trend', symbol: 'AAPL', quantity: fill.quantity }]));

    // The breakers fold the same facts: cash from CashAdjusted (capital, not P&L), the fill once.
    quote('AAPL', '101.99', '102.01');
    quote('MSFT', '399.99', '400.01');
    const withAdjustment = expectedEquity.plus(dec('3').times(400));
    const measured = await waitFor(
      async () => {
        const [account] = await bus.request<BreakerScopeView[]>(commandSubjects.breakers.list, { scope: SCOPE });
        const equity = account?.measurements.equity;
        return equity !== undefined && dec(equity).equals(withAdjustment) ? account : undefined;
      },
      { what: 'the breakers to measure equity from the opening cash, the fill once and the adjustment' },
    );
    // Today's P&L is what trading did: the fee and the mark against the fill price, not the opening balance.
    const tradingResult = dec(fill.quantity).times(mark.minus(fill.price)).minus(fill.fee);
    expect(dec(measured.measurements.dailyPnl!).equals(tradingResult)).toBe(true);
  });

  it('LIVE is never seeded, even with a seed file given: every order is denied until a person sets limits', async () => {
    await start({ mode: 'LIVE', seedLimitsFile: DEFAULT_SANDBOX_PAPER_LIMITS_FILE });
    expect(await store.readStream('risklimits-global')).toEqual([]);
    await readiness(true);
    await openingBalance();
    await quoteSeen('AAPL', '99.99', '100.01');
    const denied = await bus.request<RiskCheckResponse>(commandSubjects.risk.checkOrder, {
      order: {
        action: 'submit',
        accountId: ACCOUNT,
        strategy: null,
        intentId: 'live-intent',
        clientOrderId: clientOrderIdFor('live-intent'),
        symbol: 'AAPL',
        side: 'buy',
        type: 'limit',
        timeInForce: 'day',
        quantity: '1',
        limitPrice: '100',
        origin: 'manual',
        autoApproved: false,
        at: new Date().toISOString(),
      },
      context: { orderId: orderIdFor('live-intent'), mode: 'LIVE', dryRun: false, actor: 'user:dana' },
    });
    expect(denied).toEqual({ allowed: false, reasons: [`NO_LIMITS_CONFIGURED: account=${ACCOUNT}, symbol=*`] });
    expect((await state()).limits.configured).toBe(false);
  });
});
