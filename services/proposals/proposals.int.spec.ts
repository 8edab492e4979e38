import { z } from 'zod';
import { commandSubjects, type BarMessage, type EventInput, type QuoteMessage, type RecordedEvent } from '@tollgate/contracts';
import { defaultInstruments } from '@tollgate/domain/instrument';
import { defaultFillModel } from '@tollgate/domain/simulated-exchange';
import { orderDecider, orderIdFor, orderStreamId, type OrderCommand } from '@tollgate/domain/order';
import { proposalOrderIntentIdFor } from '@tollgate/domain/proposal';
import { StrategyRegistry, type StrategyDefinition } from '@tollgate/domain/strategy';
import { DEFAULT_BREAK_CONFIRMATION } from '@tollgate/domain/structural-break';
import { handleCommand } from '@tollgate/application';
import { createEventStore, type SqlEventStore } from '@tollgate/event-store';
import { dec, deterministicId, newId } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { waitFor } from '@tollgate/testing';
import type { PlaceOrderRequest } from '../execution/execution.commands';
import { placeOrderRequest } from '../execution/execution.commands';
import { parseProposalsConfig, type ProposalsConfig } from './proposals.config';
import { ProposalsHandlers, type ProposalsOptions } from './proposals.handlers';

/**
 * The proposals service's handlers on a real store (in-memory PGlite) and the in-process bus, with a
 * stand-in for execution that records each place-order request and writes the order's events through
 * the real order decider. A test strategy proposes a long on every bar while the strategy is flat.
 */
const logger = createLogger({ serviceName: 'proposals-spec', level: 'silent' });

const everyBar: StrategyDefinition<{ stopDistance: string; targetDistance: string }> = {
  name: 'every-bar',
  description: 'proposes a long on every bar while flat (tests only)',
  sourceHash: 'a'.repeat(64),
  parameters: z.object({ stopDistance: z.string().default('1'), targetDistance: z.string().default('2') }).strict(),
  createIndicators: () => ({ update: (bar) => ({ close: bar.close }) }),
  decide: ({ bar, position, parameters }) =>
    position
      ? []
      : [{ side: 'buy', entryType: 'market', entryPrice: bar.close, stopPrice: bar.close.minus(parameters.stopDistance), targetPrice: bar.close.plus(parameters.targetDistance), rationale: { close: bar.close.toFixed() } }],
};

function configWith(overrides: Record<string, unknown> = {}): ProposalsConfig {
  const registry = new StrategyRegistry([everyBar as StrategyDefinition]);
  return parseProposalsConfig({ strategies: [{ name: 'every-bar', symbols: ['SPY'] }], proposals: { expiresAfterMinutes: 5 }, exits: { flattenMinutesBeforeClose: null, retryAfterSeconds: 0 }, ...overrides }, { registry });
}

/** Execution as the proposals service sees it: place-order and cancel-order on the bus, orders in the store. */
class StandInExecution {
  readonly placed: PlaceOrderRequest[] = [];
  /** Orders of these intent kinds are denied (as risk would deny them). */
  readonly deny = new Set<string>();
  constructor(private readonly store: SqlEventStore, private readonly bus: InProcessBus) {}

  async start(): Promise<void> {
    await this.bus.reply(commandSubjects.execution.placeOrder, async (body: unknown) => {
      const request = placeOrderRequest.parse(body);
      this.placed.push(request);
      const orderId = orderIdFor(request.intentId, request.attempt);
      const now = new Date('2024-07-01T14:00:00.000Z');
      await this.apply(orderId, 'initialize', {
        type: 'InitializeOrder',
        data: { orderId, intentId: request.intentId, intentKind: request.intentKind, symbol: request.symbol, side: request.side, type: request.type, timeInForce: request.timeInForce, quantity: request.quantity, ...(request.limitPrice ? { limitPrice: request.limitPrice } : {}) },
        metadata: { now },
      });
      if (this.deny.has(request.intentKind)) {
        await this.apply(orderId, 'deny', { type: 'DenyOrder', data: { reasons: ['TRADING_HALTED: scope=account:default'] }, metadata: { now } });
        return { orderId, clientOrderId: `c-${orderId}`, status: 'Denied', reasons: ['TRADING_HALTED: scope=account:default'], dryRun: false };
      }
      await this.apply(orderId, 'submit', { type: 'SubmitOrder', data: {}, metadata: { now } });
      await this.apply(orderId, 'accept', { type: 'AcceptOrder', data: { brokerOrderId: `b-${orderId}` }, metadata: { now } });
      return { orderId, clientOrderId: `c-${orderId}`, status: 'Accepted', dryRun: false };
    });
    await this.bus.reply(commandSubjects.execution.cancelOrder, () => ({ status: 'PendingCancel' }));
  }

  async fill(intentId: string, quantity: string, price: string, filledAt: string): Promise<void> {
    const orderId = orderIdFor(intentId);
    await this.apply(orderId, `fill-${filledAt}`, { type: 'FillOrder', data: { fillId: `f-${orderId}-${filledAt}`, quantity, price, fee: '1', filledAt }, metadata: { now: new Date(filledAt) } });
  }

  private apply(orderId: string, commandId: string, command: OrderCommand) {
    return handleCommand({ store: this.store, streamId: orderStreamId(orderId), decider: orderDecider, command, commandId, metadata: { correlationId: orderId, actor: 'system:execution' }, occurredAt: command.metadata.now });
  }
}

interface Harness {
  store: SqlEventStore;
  bus: InProcessBus;
  execution: StandInExecution;
  proposals: ProposalsHandlers;
}

let harness: Harness | undefined;

async function start(config: ProposalsConfig = configWith()): Promise<Harness> {
  const store = await createEventStore({ dataDir: 'memory://' });
  const bus = new InProcessBus({ logger });
  const execution = new StandInExecution(store, bus);
  await execution.start();
  const options: ProposalsOptions = {
    accountId: 'default',
    mode: 'SIMULATED',
    config,
    instruments: defaultInstruments,
    executionTimeoutMs: 10_000,
    expirySweepIntervalMs: 0,
    maxQuoteAgeMs: 60_000,
    readYourWritesTimeoutMs: 10_000,
  };
  // Sizing needs equity: the simulated account's opening cash.
  await store.append('simexchange-default', 'no-stream', [
    {
      id: newId(),
      type: 'SimulatedAccountOpened',
      data: { accountId: 'default', currency: 'USD', initialCash: '100000', seed: 1, fillModel: defaultFillModel, instruments: defaultInstruments.filter((instrument) => instrument.symbol === 'SPY'), openedAt: at(0) },
      metadata: { correlationId: 'spec', causationId: null, actor: 'system:spec' },
      occurredAt: at(0),
    },
  ]);
  const proposals = new ProposalsHandlers(store, bus, logger, options);
  await proposals.onApplicationBootstrap();
  harness = { store, bus, execution, proposals };
  return harness;
}

afterEach(async () => {
  if (!harness) return;
  await harness.proposals.beforeApplicationShutdown();
  await harness.bus.close();
  await harness.store.close();
  harness = undefined;
});

const T0 = Date.parse('2024-07-01T14:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function bar(minutes: number, close: string): BarMessage {
  return { timestamp: at(minutes), symbol: 'SPY', open: close, high: close, low: close, close, volume: '1000' };
}

function quote(minutes: number, bid: string, ask: string): QuoteMessage {
  return { timestamp: at(minutes), symbol: 'SPY', bid, ask, bidSize: '100', askSize: '100' };
}

async function appendExternal(h: Harness, streamId: string, type: string, data: unknown, occurredAt: string): Promise<void> {
  const input: EventInput = { id: newId(), type, data, metadata: { correlationId: 'spec', causationId: null, actor: 'system:spec' }, occurredAt };
  await h.store.append(streamId, 'any', [input]);
  const head = (await h.store.whenSealed(), await h.store.headPosition());
  await waitFor(() => h.proposals.checkpoint >= head, { what: 'the proposals book to see the event' });
}

async function eventsOf(h: Harness, streamId: string): Promise<RecordedEvent[]> {
  return h.store.readStream(streamId);
}

async function onlyPending(h: Harness) {
  const { proposals } = h.proposals.list({ status: 'pending', limit: 10 });
  expect(proposals).toHaveLength(1);
  return proposals[0]!;
}

const autoModeLimits = { maxOrdersPerDay: 5, maxNotionalPerTrade: '1000000', strategies: ['every-bar'], symbols: ['SPY'] };

describe('the proposals service', () => {
  it('records a proposal with rationale, strategy version and expiry, and an approval places its order on the execution path', async () => {
    const h = await start();
    await h.proposals.onBar(bar(0, '100'));
    const pending = await onlyPending(h);
    expect(pending).toMatchObject({ strategy: 'every-bar', symbol: 'SPY', side: 'buy', entryPrice: '100', stopPrice: '99', targetPrice: '102', rationale: { close: '100' }, expiresAt: at(5) });
    expect(pending.strategyVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(h.execution.placed).toHaveLength(0);

    const approved = await h.proposals.approve({ proposalId: pending.proposalId, actor: 'user:alice', reason: 'looks right' });
    expect(approved.order?.status).toBe('Accepted');
    expect(h.execution.placed).toEqual([
      expect.objectContaining({ intentId: proposalOrderIntentIdFor(pending.proposalId), intentKind: 'proposal', symbol: 'SPY', side: 'buy', type: 'market', quantity: pending.quantity, strategy: 'every-bar', autoApproved: false, actor: 'user:alice' }),
    ]);
    const types = (await eventsOf(h, `proposal-${pending.proposalId}`)).map((event) => [event.type, (event.data as { actor?: string }).actor]);
    expect(types).toEqual([
      ['ProposalCreated', 'system:proposals'],
      ['ProposalApproved', 'user:alice'],
      ['ProposalConverted', 'system:proposals'],
    ]);
    expect(approved.proposal).toMatchObject({ status: 'converted', decidedBy: 'user:alice', reason: 'looks right' });
  });

  it('records a rejection with its actor and reason, and sends nothing', async () => {
    const h = await start();
    await h.proposals.onBar(bar(0, '100'));
    const pending = await onlyPending(h);
    const rejected = await h.proposals.reject({ proposalId: pending.proposalId, actor: 'user:bob', reason: 'not today' });
    expect(rejected.proposal).toMatchObject({ status: 'rejected', decidedBy: 'user:bob', reason: 'not today' });
    expect(h.execution.placed).toHaveLength(0);
    await expect(h.proposals.approve({ proposalId: pending.proposalId, actor: 'user:alice' })).rejects.toThrow('PROPOSAL_NOT_PENDING');
  });

  it('expires a proposal nobody answered once market time passes its expiry, and approval after that is refused', async () => {
    const h = await start();
    await h.proposals.onBar(bar(0, '100'));
    const pending = await onlyPending(h);
    await h.proposals.onQuote(quote(4, '100.00', '100.02'));
    expect(h.proposals.list({ status: 'pending', limit: 10 }).proposals).toHaveLength(1);
    await h.proposals.onQuote(quote(5, '100.00', '100.02'));
    const events = await eventsOf(h, `proposal-${pending.proposalId}`);
    expect(events.map((event) => event.type)).toEqual(['ProposalCreated', 'ProposalExpired']);
    expect(events[1]!.data).toMatchObject({ actor: 'system:proposals', expiresAt: at(5), expiredAt: at(5) });
    await expect(h.proposals.approve({ proposalId: pending.proposalId, actor: 'user:alice' })).rejects.toThrow('PROPOSAL_NOT_PENDING');
  });

  it('refuses a duplicate: the same strategy, symbol and side while one is pending', async () => {
    const h = await start(configWith({ proposals: { expiresAfterMinutes: 60 } }));
    await h.proposals.onBar(bar(0, '100'));
    await h.proposals.onBar(bar(1, '100.5'));
    expect(h.proposals.list({ status: 'all', limit: 10 }).proposals).toHaveLength(1);
    expect(h.proposals.statistics.refused).toEqual({ PROPOSAL_DUPLICATE: 1 });
  });

  it('creates no proposal while a structural break is suspected for the symbol, and refuses approval during one', async () => {
    const h = await start(configWith({ proposals: { expiresAfterMinutes: 60 } }));
    await h.proposals.onBar(bar(0, '100'));
    const pending = await onlyPending(h);
    const suspicion = {
      symbol: 'SPY',
      suspicionId: deterministicId('spec.suspicion', 'SPY'),
      series: 'mean',
      direction: 'down',
      method: 'cusum',
      statistic: '10.5',
      threshold: '10',
      detectedAt: at(1),
      confirmation: DEFAULT_BREAK_CONFIRMATION,
    };
    await appendExternal(h, 'regime-SPY', 'StructuralBreakSuspected', suspicion, at(1));
    await expect(h.proposals.approve({ proposalId: pending.proposalId, actor: 'user:alice' })).rejects.toThrow('PROPOSAL_BLOCKED_BY_STRUCTURAL_BREAK');
    await h.proposals.reject({ proposalId: pending.proposalId, actor: 'user:alice', reason: 'break' });
    await h.proposals.onBar(bar(2, '99'));
    expect(h.proposals.list({ status: 'pending', limit: 10 }).proposals).toHaveLength(0);
    expect(h.proposals.statistics.refused.PROPOSAL_BLOCKED_BY_STRUCTURAL_BREAK).toBe(2);
    expect(h.execution.placed).toHaveLength(0);
  });

  it('auto-approves while auto-mode is on and its rails allow: actor auto, counted, the order marked auto-approved', async () => {
    const h = await start();
    await appendExternal(h, 'automode-default', 'AutoModeEnabled', { mode: 'SIMULATED', accountId: 'default', actor: 'user:admin', reason: 'spec', limits: autoModeLimits, at: at(0) }, at(0));
    await h.proposals.onBar(bar(0, '100'));
    const [proposal] = h.proposals.list({ status: 'all', limit: 10 }).proposals;
    expect(proposal).toMatchObject({ status: 'converted', decidedBy: 'auto' });
    expect(h.execution.placed).toEqual([expect.objectContaining({ intentKind: 'proposal', autoApproved: true, actor: 'auto' })]);
    const counted = (await eventsOf(h, 'automode-default')).filter((event) => event.type === 'AutoApprovalCounted');
    expect(counted.map((event) => event.data)).toEqual([expect.objectContaining({ proposalId: proposal!.proposalId, tradingDay: '2024-07-01' })]);
    expect(h.proposals.statistics.autoApproved).toBe(1);
  });

  it('leaves the proposal for a person when auto-mode rails say no', async () => {
    const h = await start();
    await appendExternal(h, 'automode-default', 'AutoModeEnabled', { mode: 'SIMULATED', accountId: 'default', actor: 'user:admin', reason: 'spec', limits: { ...autoModeLimits, symbols: ['QQQ'] }, at: at(0) }, at(0));
    await h.proposals.onBar(bar(0, '100'));
    const pending = await onlyPending(h);
    expect(pending.decidedBy).toBeNull();
    expect(h.execution.placed).toHaveLength(0);
    expect(h.proposals.statistics.autoDeclined).toBe(1);
    expect((await eventsOf(h, 'automode-default')).map((event) => event.type)).toEqual(['AutoModeEnabled']);
  });
});

describe('exits of the proposals service', () => {
  async function openPosition(h: Harness): Promise<{ proposalId: string; quantity: string }> {
    await h.proposals.onBar(bar(0, '100'));
    const pending = await onlyPending(h);
    await h.proposals.approve({ proposalId: pending.proposalId, actor: 'user:alice' });
    await h.execution.fill(proposalOrderIntentIdFor(pending.proposalId), pending.quantity, '100', at(1));
    await waitFor(() => h.proposals.positions().positions.length === 1, { what: 'the position to open' });
    return { proposalId: pending.proposalId, quantity: pending.quantity };
  }

  it('fires the stop once; a second rule while the exit works sends no second order; the fill completes the exit', async () => {
    const h = await start();
    const { proposalId, quantity } = await openPosition(h);
    await h.proposals.onQuote(quote(2, '99.50', '99.52'));
    expect(h.execution.placed).toHaveLength(1);

    await h.proposals.onQuote(quote(3, '98.90', '98.92'));
    const exitOrders = h.execution.placed.filter((request) => request.intentKind !== 'proposal');
    expect(exitOrders).toEqual([expect.objectContaining({ intentKind: 'exit', side: 'sell', type: 'market', quantity, strategy: 'every-bar' })]);

    // Still below the stop, then through the target: the exit is working, so nothing else goes out.
    await h.proposals.onQuote(quote(4, '98.80', '98.82'));
    await h.proposals.onQuote(quote(5, '102.50', '102.52'));
    expect(h.execution.placed.filter((request) => request.intentKind !== 'proposal')).toHaveLength(1);
    const exitEvents = await eventsOf(h, `positionexit-${proposalId}`);
    expect(exitEvents.map((event) => event.type)).toEqual(['ExitRequested']);
    expect(exitEvents[0]!.data).toMatchObject({ rule: 'stop_loss', triggerPrice: '98.9', side: 'sell', quantity });

    await h.execution.fill(exitOrders[0]!.intentId, quantity, '98.9', at(6));
    await waitFor(async () => (await eventsOf(h, `positionexit-${proposalId}`)).some((event) => event.type === 'ExitCompleted'), { what: 'the exit to complete' });
    await waitFor(() => h.proposals.positions().positions.length === 0, { what: 'the position to close' });
    expect(h.proposals.list({ status: 'open', limit: 10 }).proposals).toHaveLength(0);
  });

  it('abandons an exit whose order ended unfilled, and sends a new one only after the pause', async () => {
    const h = await start(configWith({ exits: { flattenMinutesBeforeClose: null, retryAfterSeconds: 120 } }));
    const { proposalId } = await openPosition(h);
    h.execution.deny.add('exit');
    await h.proposals.onQuote(quote(3, '98.90', '98.92'));
    await waitFor(async () => (await eventsOf(h, `positionexit-${proposalId}`)).some((event) => event.type === 'ExitAbandoned'), { what: 'the denied exit to be abandoned' });
    await h.proposals.onQuote(quote(4, '98.80', '98.82'));
    expect(h.execution.placed.filter((request) => request.intentKind === 'exit')).toHaveLength(1);
    h.execution.deny.clear();
    await h.proposals.onQuote(quote(5, '98.70', '98.72'));
    const exits = h.execution.placed.filter((request) => request.intentKind === 'exit');
    expect(exits).toHaveLength(2);
    expect(exits[1]!.intentId).not.toBe(exits[0]!.intentId);
    expect((await eventsOf(h, `positionexit-${proposalId}`)).map((event) => event.type)).toEqual(['ExitRequested', 'ExitAbandoned', 'ExitRequested']);
  });

  it('exits a position when a structural break in its symbol is confirmed after entry', async () => {
    const h = await start();
    const { proposalId } = await openPosition(h);
    const confirmed = {
      symbol: 'SPY',
      suspicionId: deterministicId('spec.suspicion', 'SPY', 'confirmed'),
      series: 'mean',
      method: 'ols-cusum',
      variance: 'iid',
      statistic: '2.1',
      pValue: '0.0004',
      alpha: '0.01',
      windowStart: at(-300),
      windowEnd: at(2),
      windowBars: 250,
      resolvedAt: at(2),
      breakAt: at(-10),
    };
    await appendExternal(h, 'regime-SPY', 'StructuralBreakConfirmed', confirmed, at(2));
    await h.proposals.onQuote(quote(3, '100.10', '100.12'));
    const events = await eventsOf(h, `positionexit-${proposalId}`);
    expect(events.map((event) => [event.type, (event.data as { rule: string }).rule])).toEqual([['ExitRequested', 'structural_break']]);
  });

  it('flattens before the close from the exchange calendar', async () => {
    const h = await start(configWith({ exits: { flattenMinutesBeforeClose: 5, retryAfterSeconds: 0 } }));
    const { proposalId } = await openPosition(h);
    // 2024-07-01 closes at 20:00 UTC: 19:54 is six minutes before, 19:56 four.
    await h.proposals.onQuote({ ...quote(0, '100.10', '100.12'), timestamp: '2024-07-01T19:54:00.000Z' });
    expect(await eventsOf(h, `positionexit-${proposalId}`)).toEqual([]);
    await h.proposals.onQuote({ ...quote(0, '100.10', '100.12'), timestamp: '2024-07-01T19:56:00.000Z' });
    const events = await eventsOf(h, `positionexit-${proposalId}`);
    expect(events.map((event) => [event.type, (event.data as { rule: string }).rule])).toEqual([['ExitRequested', 'end_of_day']]);
  });

  it('records a marketable exit across a wide spread as exactly one EmergencyExit and sends it as an emergency order', async () => {
    const h = await start(configWith({ exits: { flattenMinutesBeforeClose: null, retryAfterSeconds: 0, wideSpreadBps: '50' } }));
    const { proposalId } = await openPosition(h);
    await h.proposals.onQuote(quote(2, '98.00', '99.50'));
    await h.proposals.onQuote(quote(3, '97.00', '99.50'));
    const events = await eventsOf(h, `positionexit-${proposalId}`);
    expect(events.map((event) => event.type)).toEqual(['EmergencyExit']);
    expect(events[0]!.data).toMatchObject({ cause: 'wide_spread', rule: 'stop_loss', duringMarketHours: true });
    expect(h.execution.placed.filter((request) => request.intentKind === 'emergency')).toHaveLength(1);
    expect(dec(h.proposals.positions().positions[0]!.quantity).isPositive()).toBe(true);
  });
});
