import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commandSubjects,
  type AlertRaisedData,
  type AutoModeDisabledData,
  type CircuitBreakerTrippedData,
  type RecordedEvent,
  type TradingStateChangedData,
} from '@tollgate/contracts';
import { applyDrillLimits, createScratchSystem, DrillContext, drillLimits, drillPeople, type DrillSystem } from '@tollgate/drills';
import { dec } from '@tollgate/kernel';
import { waitFor } from '@tollgate/testing';
import { drillServices } from './drill-services';
import type { BreakerScopeView } from '../circuit-breakers/circuit-breakers.commands';
import type { RiskStateView } from './risk.commands';
import { DEFAULT_SIMULATED_LIMITS_FILE, RiskModule } from './risk.module';

/**
 * The risk controls at the service level: the real simulated exchange, execution, risk and circuit
 * breakers in one process (PGlite, in-process bus), driven over the bus the way the CLI and gateway
 * drive them, and judged from the store's events and the exchange's own answers.
 */
jest.setTimeout(180_000);

const systems: DrillSystem[] = [];
const directories: string[] = [];

async function boot(options: { dataDir?: string; seedLimits?: boolean } = {}): Promise<{ system: DrillSystem; context: DrillContext }> {
  const system = await createScratchSystem({
    services: (config) =>
      options.seedLimits
        ? drillServices(config).map((module) => (module.module === RiskModule ? RiskModule.forRoot(config, { seedLimitsFile: DEFAULT_SIMULATED_LIMITS_FILE }) : module))
        : drillServices(config),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  systems.push(system);
  return { system, context: new DrillContext('kill-switch', system, { stepTimeoutMs: 10_000, killLatencyTargetMs: 1_000 }) };
}

function diskDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-risk-'));
  directories.push(directory);
  return directory;
}

async function close(system: DrillSystem): Promise<void> {
  systems.splice(systems.indexOf(system), 1);
  await system.close();
}

afterEach(async () => {
  for (const system of systems.splice(0)) await system.close().catch(() => undefined);
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

const orderIdOf = (event: RecordedEvent): string => (event.data as { orderId: string }).orderId;

/** Risk has a reference price for each symbol, at least as new as `since` (quotes are fire-and-forget market data). */
async function quotesSeen(context: DrillContext, symbols: string[], since = 0): Promise<void> {
  await waitFor(async () => {
    const state = await context.request<RiskStateView>(commandSubjects.risk.state, {});
    return symbols.every((symbol) => state.referencePrices.some((reference) => reference.symbol === symbol && Date.parse(reference.at) >= since));
  }, { what: `risk to see quotes for ${symbols.join(', ')}` });
}

async function outcome(context: DrillContext, orderId: string): Promise<RecordedEvent> {
  return waitFor(async () => (await context.eventsOf(['OrderDenied', 'OrderAccepted'])).find((event) => orderIdOf(event) === orderId), { what: `order ${orderId} to be accepted or denied` });
}

describe('default deny and the seeded SIMULATED limits', () => {
  it('denies every order while no limits are configured, naming the missing limits', async () => {
    const { context } = await boot();
    context.market.quote('SPY', '99.99', '100.01');
    context.market.start();
    await quotesSeen(context, ['SPY']);
    const answer = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '99' });
    const denied = await outcome(context, answer.orderId);
    expect(denied.type).toBe('OrderDenied');
    expect((denied.data as { reasons: string[] }).reasons).toEqual(['NO_LIMITS_CONFIGURED: account=drill, symbol=*']);
    expect(await context.exchangeOpenOrders()).toHaveLength(0);
  });

  it('seeds config/limits.simulated.json as RiskLimitsChanged by system:bootstrap at the first SIMULATED start, once', async () => {
    const directory = diskDirectory();
    const first = await boot({ dataDir: directory, seedLimits: true });
    const seeded = await first.system.store.readStream('risklimits-global');
    expect(seeded).toHaveLength(1);
    expect(seeded[0]!.metadata.actor).toBe('system:bootstrap');
    expect(Object.keys((seeded[0]!.data as { limits: { accounts: object } }).limits.accounts)).toEqual(['drill']);
    first.context.market.quote('SPY', '99.99', '100.01');
    first.context.market.start();
    await quotesSeen(first.context, ['SPY']);
    const placed = await first.context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '99', strategy: 'trend' });
    expect((await outcome(first.context, placed.orderId)).type).toBe('OrderAccepted');
    first.context.market.stop();
    await close(first.system);

    const second = await boot({ dataDir: directory, seedLimits: true });
    expect(await second.system.store.readStream('risklimits-global')).toHaveLength(1);
  });
});

describe('limits held as events', () => {
  it('refuses a bad limits document whole, naming the key, and a change by someone without a risk role', async () => {
    const { context, system } = await boot();
    const bad = drillLimits(system.accountId, (limits) => (limits.instrumentDefaults.maxOrderQuantity = '-5'));
    await expect(context.request(commandSubjects.risk.limitsSet, { limits: bad, reason: 'typo', actor: drillPeople.riskOfficer, role: 'risk' })).rejects.toThrow(
      /limits\.instrumentDefaults\.maxOrderQuantity: must be a positive decimal string/,
    );
    await expect(context.request(commandSubjects.risk.limitsSet, { limits: drillLimits(system.accountId), reason: 'no role', actor: drillPeople.trader, role: 'trader' })).rejects.toThrow(/ROLE_NOT_PERMITTED/);
    expect(await system.store.readStream('risklimits-global')).toHaveLength(0);
    await applyDrillLimits(context, drillLimits(system.accountId), 'good');
    const changes = await system.store.readStream('risklimits-global');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.data).toMatchObject({ actor: drillPeople.riskOfficer, reason: 'good' });
  });
});

describe('C5 message throttle at the service', () => {
  it('limit 100/s: the 101st submit in one second is denied RATE_LIMIT_EXCEEDED with an alert; 500 cancels in one second all pass', async () => {
    const { context, system } = await boot();
    await applyDrillLimits(
      context,
      drillLimits(system.accountId, (_limits, account) => {
        account.throttles.submits = { perSecond: 100, perMinute: 100_000 };
        account.throttles.maxOpenOrders = 1_000;
      }),
      'throttle test',
    );
    context.market.quote('SPY', '99.99', '100.01');
    context.market.start();
    await quotesSeen(context, ['SPY']);

    // Every order at its own price, so the duplicate check never speaks.
    const place = (second: number, index: number) => context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: (98 - (second * 101 + index) * 0.01).toFixed(2), strategy: 'throttled' });
    context.market.pause();
    const firstSecond = await Promise.all(Array.from({ length: 101 }, (_, index) => place(0, index)));
    const outcomes = await Promise.all(firstSecond.map((answer) => outcome(context, answer.orderId)));
    const denied = outcomes.filter((event) => event.type === 'OrderDenied');
    expect(denied).toHaveLength(1);
    expect((denied[0]!.data as { reasons: string[] }).reasons).toEqual(['RATE_LIMIT_EXCEEDED: action=submit, window=1s, count=100, limit=100']);
    const alerts = await waitFor(async () => {
      const found = (await context.eventsOf(['AlertRaised'])).filter((event) => (event.data as AlertRaisedData).code === 'RATE_LIMIT_EXCEEDED');
      return found.length > 0 ? found : null;
    });
    expect(alerts[0]!.streamId).toBe(`riskalerts-${system.accountId}`);

    // Four more market seconds of 100 submits each: 500 resting orders.
    const resting = firstSecond.filter((answer) => !denied.some((event) => orderIdOf(event) === answer.orderId));
    for (let second = 1; second <= 4; second += 1) {
      context.market.advance(1_000);
      await quotesSeen(context, ['SPY'], context.market.now().getTime());
      const batch = await Promise.all(Array.from({ length: 100 }, (_, index) => place(second, index)));
      const decided = await Promise.all(batch.map((answer) => outcome(context, answer.orderId)));
      expect(decided.filter((event) => event.type === 'OrderDenied').map((event) => event.data)).toEqual([]);
      resting.push(...batch);
    }
    const ours = new Set(resting.map((answer) => answer.clientOrderId));
    await waitFor(async () => (await context.exchangeOpenOrders()).filter((order) => ours.has(order.clientOrderId)).length === 500, { what: '500 resting orders' });

    // All 500 cancels in one market second.
    const cancelled = await Promise.all(resting.map((answer) => context.cancel(answer.orderId)));
    expect(cancelled).toHaveLength(500);
    await waitFor(async () => !(await context.exchangeOpenOrders()).some((order) => ours.has(order.clientOrderId)), { timeoutMs: 60_000, what: 'every order cancelled at the exchange' });
    const ids = new Set(resting.map((answer) => answer.orderId));
    await waitFor(async () => (await context.eventsOf(['OrderCanceled'])).filter((event) => ids.has(orderIdOf(event))).length === 500, { timeoutMs: 60_000, what: '500 OrderCanceled' });
  });
});

describe('kill switch across a restart', () => {
  it('stays engaged after a restart (it is events), still denies and leaves other scopes\' orders resting; only a person with a risk role releases it', async () => {
    const directory = diskDirectory();
    const first = await boot({ dataDir: directory });
    await applyDrillLimits(first.context, drillLimits(first.system.accountId), 'restart test');
    first.context.market.quote('SPY', '99.99', '100.01');
    first.context.market.quote('QQQ', '199.99', '200.01');
    first.context.market.start();
    await quotesSeen(first.context, ['SPY', 'QQQ']);
    const spy = await first.context.place({ symbol: 'SPY', side: 'buy', quantity: '5', limitPrice: '95', strategy: 'alpha' });
    const qqq = await first.context.place({ symbol: 'QQQ', side: 'buy', quantity: '5', limitPrice: '190', strategy: 'alpha' });
    await waitFor(async () => (await first.context.exchangeOpenOrders()).length === 2);
    await first.context.request(commandSubjects.risk.kill, { scope: 'symbol:SPY', reason: 'restart test', actor: drillPeople.trader });
    await waitFor(async () => (await first.context.exchangeOpenOrders()).every((order) => order.clientOrderId !== spy.clientOrderId), { what: 'the SPY order cancelled' });
    expect((await first.context.exchangeOpenOrders()).map((order) => order.clientOrderId)).toEqual([qqq.clientOrderId]);
    first.context.market.stop();
    await close(first.system);

    const second = await boot({ dataDir: directory });
    second.context.market.quote('SPY', '99.99', '100.01');
    second.context.market.start();
    await quotesSeen(second.context, ['SPY']);
    const state = await second.context.request<RiskStateView>(commandSubjects.risk.state, {});
    expect(state.killSwitches.map((entry) => entry.scope)).toEqual(['symbol:SPY']);
    const denied = await second.context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '96', strategy: 'beta' });
    expect((await outcome(second.context, denied.orderId)).data).toMatchObject({ reasons: ['KILL_SWITCH_ENGAGED: scope=symbol:SPY'] });
    expect((await second.context.exchangeOpenOrders()).map((order) => order.clientOrderId)).toEqual([qqq.clientOrderId]);

    await expect(second.context.request(commandSubjects.risk.release, { scope: 'symbol:SPY', reason: 'no role', actor: drillPeople.trader })).rejects.toThrow(/ROLE_NOT_PERMITTED/);
    await second.context.request(commandSubjects.risk.release, { scope: 'symbol:SPY', reason: 'restart test done', actor: drillPeople.riskOfficer, role: 'risk' });
    const allowed = await second.context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '96.5', strategy: 'beta' });
    expect((await outcome(second.context, allowed.orderId)).type).toBe('OrderAccepted');
  });

  it('turns auto-mode off when a kill switch engages (AutoModeDisabled, cause kill_switch), and auto-mode needs an admin', async () => {
    const { context, system } = await boot();
    await applyDrillLimits(
      context,
      drillLimits(system.accountId, (_limits, account) => (account.autoMode = { maxOrdersPerDay: 5, maxNotionalPerTrade: '10000', strategies: ['trend'], symbols: ['SPY'] })),
      'auto-mode test',
    );
    await expect(context.request(commandSubjects.risk.autoModeOn, { reason: 'try', actor: drillPeople.riskOfficer, role: 'risk' })).rejects.toThrow(/ROLE_NOT_PERMITTED/);
    const on = await context.request<RiskStateView['autoMode']>(commandSubjects.risk.autoModeOn, { reason: 'simulation run', actor: drillPeople.admin, role: 'admin' });
    expect(on.status).toBe('on');
    await context.request(commandSubjects.risk.kill, { scope: 'strategy:trend', reason: 'auto-mode test', actor: drillPeople.trader });
    const disabled = await waitFor(async () => (await system.store.readStream(`automode-${system.accountId}`)).find((event) => event.type === 'AutoModeDisabled'));
    expect((disabled.data as AutoModeDisabledData).cause).toBe('kill_switch');
    const state = await context.request<RiskStateView>(commandSubjects.risk.state, {});
    expect(state.autoMode.status).toBe('off');
  });
});

describe('C9 daily loss on mark-to-market equity', () => {
  it('trips on a price move with no trade: HALTED, working orders cancelled, alert; the HALT persists after a restart', async () => {
    const directory = diskDirectory();
    const first = await boot({ dataDir: directory });
    const scope = `account:${first.system.accountId}`;
    await applyDrillLimits(first.context, drillLimits(first.system.accountId, (_limits, account) => (account.breakers = { dailyLoss: { maxLoss: '500', action: 'HALTED' } })), 'breaker test');
    first.context.market.quote('SPY', '99.99', '100.01');
    first.context.market.start();
    await quotesSeen(first.context, ['SPY']);
    await first.context.place({ symbol: 'SPY', side: 'buy', quantity: '100', limitPrice: '100.20', strategy: 'alpha' });
    await waitFor(async () => (await first.context.exchangePositions()).some((position) => position.symbol === 'SPY' && dec(position.quantity).equals(100)), { what: '100 SPY filled' });
    const working = await first.context.place({ symbol: 'SPY', side: 'buy', quantity: '10', limitPrice: '90', strategy: 'alpha' });
    await waitFor(async () => (await first.context.exchangeOpenOrders()).length === 1);

    // Bought near 100.02 plus a fee: a mid of 95.50 loses about 453 (within the bound), 94.99 about 504 (past it).
    first.context.market.quote('SPY', '95.49', '95.51');
    await waitFor(async () => {
      const [account] = await first.context.request<BreakerScopeView[]>(commandSubjects.breakers.list, { scope });
      return account?.measurements.dailyPnl !== undefined && dec(account.measurements.dailyPnl).lessThan(-400);
    }, { what: 'the breakers to measure the first move' });
    expect((await first.context.eventsOf(['CircuitBreakerTripped'])).length).toBe(0);
    first.context.market.quote('SPY', '94.98', '95.00');
    const trip = await waitFor(async () => (await first.context.eventsOf(['CircuitBreakerTripped']))[0]);
    expect(trip.data as CircuitBreakerTrippedData).toMatchObject({ breaker: 'daily_loss', scope, bound: '500', action: 'HALTED' });
    expect(dec((trip.data as CircuitBreakerTrippedData).value).greaterThan(500)).toBe(true);
    const stream = await first.system.store.readStream(`tradingstate-${scope}`);
    expect(stream.map((event) => event.type)).toEqual(expect.arrayContaining(['CircuitBreakerTripped', 'TradingStateChanged', 'WorkingOrdersCancelRequested', 'AlertRaised']));
    await waitFor(async () => (await first.context.exchangeOpenOrders()).length === 0, { what: 'the working order cancelled at the exchange' });
    expect((await first.context.eventsOf(['OrderCanceled'])).map(orderIdOf)).toEqual([working.orderId]);
    first.context.market.stop();
    await close(first.system);

    const second = await boot({ dataDir: directory });
    second.context.market.quote('SPY', '99.99', '100.01');
    second.context.market.start();
    await quotesSeen(second.context, ['SPY']);
    const state = await second.context.request<RiskStateView>(commandSubjects.risk.state, {});
    expect(state.tradingStates).toEqual([expect.objectContaining({ scope, status: 'HALTED', cause: 'breaker:daily_loss' })]);
    const denied = await second.context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '99', strategy: 'alpha' });
    expect((await outcome(second.context, denied.orderId)).data).toMatchObject({ reasons: [`TRADING_HALTED: scope=${scope}, cause=breaker:daily_loss`] });
    // A person cannot loosen a state a breaker holds; resetting the breaker (price recovered) does.
    await expect(second.context.request(commandSubjects.risk.setTradingState, { scope, to: 'ACTIVE', reason: 'try', actor: drillPeople.riskOfficer, role: 'risk' })).rejects.toThrow(/BREAKER_HOLDS_STATE/);
    await second.context.request(commandSubjects.breakers.reset, { breaker: 'daily_loss', scope, reason: 'recovered', actor: drillPeople.riskOfficer, role: 'risk' });
    await waitFor(async () => {
      const changes = (await second.system.store.readStream(`tradingstate-${scope}`)).filter((event) => event.type === 'TradingStateChanged');
      return (changes.at(-1)?.data as TradingStateChangedData | undefined)?.to === 'ACTIVE';
    });
  });
});

describe('C6 repeated-execution throttle at the service', () => {
  it('disables a strategy at the 4th fill within the window (max 3) so it cannot open more, until a risk officer re-enables it', async () => {
    const { context, system } = await boot();
    await applyDrillLimits(
      context,
      drillLimits(system.accountId, (_limits, account) => (account.throttles.repeatedExecution = { maxFills: 3, windowMs: 60_000 })),
      'repeated execution test',
    );
    context.market.quote('SPY', '99.99', '100.01');
    context.market.start();
    await quotesSeen(context, ['SPY']);
    for (let fill = 1; fill <= 4; fill += 1) {
      await context.place({ symbol: 'SPY', side: 'buy', quantity: String(fill), limitPrice: '100.20', strategy: 'rapid' });
      await waitFor(async () => (await context.eventsOf(['OrderFilled'])).length === fill, { what: `fill ${fill}` });
    }
    const disabled = await waitFor(async () => (await system.store.readStream('strategyrisk-rapid')).find((event) => event.type === 'StrategyDisabled'));
    expect(disabled.data).toMatchObject({ strategy: 'rapid', cause: 'repeated_execution', fills: 4, maxFills: 3 });
    const opening = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '99', strategy: 'rapid' });
    expect((await outcome(context, opening.orderId)).data).toMatchObject({ reasons: ['STRATEGY_DISABLED: strategy=rapid, cause=repeated_execution'] });
    const other = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '99.01', strategy: 'patient' });
    expect((await outcome(context, other.orderId)).type).toBe('OrderAccepted');

    await expect(context.request(commandSubjects.risk.enableStrategy, { strategy: 'rapid', reason: 'no role', actor: drillPeople.trader })).rejects.toThrow(/ROLE_NOT_PERMITTED/);
    await context.request(commandSubjects.risk.enableStrategy, { strategy: 'rapid', reason: 'fills were a test', actor: drillPeople.riskOfficer, role: 'risk' });
    const again = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '98.99', strategy: 'rapid' });
    expect((await outcome(context, again.orderId)).type).toBe('OrderAccepted');
  });
});

describe('breakers on system health', () => {
  it('trips sync_failure past its bound (HALTED) and market_data_stale on a stale feed (REDUCING), and a sync failure turns auto-mode off with its cause', async () => {
    const { context, system } = await boot();
    const scope = `account:${system.accountId}`;
    await applyDrillLimits(
      context,
      drillLimits(system.accountId, (_limits, account) => {
        account.breakers = {
          dailyLoss: { maxLoss: '100000', action: 'HALTED' },
          syncFailure: { maxConsecutiveFailures: 1, action: 'HALTED' },
          reconciliationBreak: { action: 'REDUCING' },
          marketDataStale: { maxAgeMs: 60_000, action: 'REDUCING' },
        };
        account.autoMode = { maxOrdersPerDay: 5, maxNotionalPerTrade: '10000', strategies: ['trend'], symbols: ['SPY'] };
      }),
      'health breakers test',
    );
    await context.request(commandSubjects.risk.autoModeOn, { reason: 'simulation', actor: drillPeople.admin, role: 'admin' });
    // What the reconciliation and market-data services record.
    const at = '2026-03-02T15:00:00.000Z';
    const append = (streamId: string, type: string, data: unknown) =>
      system.store.append(streamId, 'any', [{ id: randomUUID(), type, data, metadata: { correlationId: randomUUID(), causationId: null, actor: 'system:test' }, occurredAt: at }]);
    const syncFailed = (attempt: number) => ({ syncId: randomUUID(), accountId: system.accountId, broker: 'simulated', trigger: 'periodic', query: 'positions', attempts: attempt, lastError: 'timeout', failedAt: at });
    await append(`sync-${system.accountId}`, 'SyncFailed', syncFailed(1));
    const disabled = await waitFor(async () => (await system.store.readStream(`automode-${system.accountId}`)).find((event) => event.type === 'AutoModeDisabled'));
    expect((disabled.data as AutoModeDisabledData).cause).toBe('sync_failure');
    await append(`sync-${system.accountId}`, 'SyncFailed', syncFailed(2));
    const syncTrip = await waitFor(async () => (await context.eventsOf(['CircuitBreakerTripped'])).find((event) => (event.data as CircuitBreakerTrippedData).breaker === 'sync_failure'));
    expect(syncTrip.data).toMatchObject({ scope, value: '2', bound: '1', action: 'HALTED' });

    await append('feed-synthetic', 'MarketDataStale', { feed: 'synthetic', symbol: 'SPY', lastTickAt: '2026-03-02T14:58:00.000Z', detectedAt: at, staleAfterSeconds: 60, session: '2026-03-02' });
    const staleTrip = await waitFor(async () => (await context.eventsOf(['CircuitBreakerTripped'])).find((event) => (event.data as CircuitBreakerTrippedData).breaker === 'market_data_stale'));
    expect(staleTrip.data).toMatchObject({ value: '120000', bound: '60000', action: 'REDUCING' });
    const state = await context.request<RiskStateView>(commandSubjects.risk.state, {});
    expect(state.tradingStates).toEqual([expect.objectContaining({ scope, status: 'HALTED', cause: 'breaker:sync_failure' })]);
    expect(state.breakers.map((breaker) => breaker.breaker).sort()).toEqual(['market_data_stale', 'sync_failure']);
  });
});
