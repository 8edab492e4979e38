import { dec } from '@tollgate/kernel';
import {
  compileRiskLimits,
  createRiskSnapshot,
  LiveRiskBook,
  parseRiskLimits,
  PreTradeRiskEngine,
  RiskActivityLog,
  type OrderCheckRequest,
  type RiskSnapshotInput,
  type RiskView,
} from '@tollgate/domain/risk';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

/**
 * Pre-trade check latency, in process, against a snapshot holding 50 positions and 100 working
 * orders, beside the same check against an empty account in the same run. The target is
 * p99 ≤ 1 ms. The live book is what the risk service holds (LiveRiskBook, updated one change at a
 * time): its check, and a quote or a working-order change followed by a check. A last figure rebuilds
 * the snapshot for every check: what the service would pay without the live book.
 */
const ACCOUNT = 'BENCH';
const AT = new Date('2026-03-02T15:00:00.000Z');
const SYMBOLS = Array.from({ length: 60 }, (_, index) => `S${String(index).padStart(3, '0')}`);
const SECTORS = ['technology', 'energy', 'health', 'financials', 'industrials'];

function limits() {
  return compileRiskLimits(
    parseRiskLimits({
      schemaVersion: 1,
      instrumentDefaults: {
        maxOrderQuantity: '10000',
        maxOrderNotional: '1000000',
        maxPositionQuantity: '100000',
        maxSymbolNotional: '5000000',
        collar: { percent: '5', ticks: 2, maxReferenceAgeMs: 5_000 },
      },
      sectors: Object.fromEntries(SYMBOLS.map((symbol, index) => [symbol, SECTORS[index % SECTORS.length]!])),
      accounts: {
        [ACCOUNT]: {
          modes: { SIMULATED: { strategies: '*', symbols: '*', maxSymbols: 200, manualOrders: true } },
          restrictedSymbols: ['ZZZ'],
          shortSale: { permitted: true },
          exposure: {
            maxGrossNotional: '1000000000',
            maxNetNotional: '1000000000',
            maxPositions: 500,
            maxPositionShareOfEquity: '0.5',
            sectors: Object.fromEntries(SECTORS.map((sector) => [sector, '500000000'])),
          },
          throttles: {
            submits: { perSecond: 1_000_000, perMinute: 10_000_000 },
            replaces: { perSecond: 1_000_000, perMinute: 10_000_000 },
            maxOpenOrders: 10_000,
            duplicateWindowMs: 1_000,
            cumulativeWindowMs: 60_000,
            repeatedExecution: { maxFills: 20, windowMs: 60_000 },
          },
          breakers: { dailyLoss: { maxLoss: '50000', action: 'HALTED' } },
        },
      },
    }),
  );
}

function snapshotInput(positions: number, workingOrders: number, activity: RiskActivityLog): RiskSnapshotInput {
  const compiled = limits();
  return {
    accountId: ACCOUNT,
    mode: 'SIMULATED',
    limits: compiled,
    equity: '50000000',
    buyingPower: '100000000',
    positions: Array.from({ length: positions }, (_, index) => ({ symbol: SYMBOLS[index]!, quantity: String(index % 2 === 0 ? 100 + index : -(50 + index)) })),
    workingOrders: Array.from({ length: workingOrders }, (_, index) => ({
      clientOrderId: `working-${index}`,
      intentId: `intent-${index % 40}`,
      strategy: `strategy-${index % 3}`,
      symbol: SYMBOLS[(index * 7) % SYMBOLS.length]!,
      side: index % 2 === 0 ? ('buy' as const) : ('sell' as const),
      type: 'limit' as const,
      remainingQuantity: String(10 + (index % 17)),
      limitPrice: index % 2 === 0 ? '95.5' : '104.5',
    })),
    referencePrices: Object.fromEntries(SYMBOLS.map((symbol, index) => [symbol, { mid: midOf(index), at: AT }])),
    instruments: Object.fromEntries(SYMBOLS.map((symbol) => [symbol, { tickSize: '0.01', shortable: true }])),
    tradingStates: { 'strategy:strategy-9': { status: 'HALTED', cause: 'operator' } },
    killSwitches: ['strategy:strategy-8'],
    disabledStrategies: {},
    venueHalts: { market: false, symbols: ['S059'] },
    activity,
  };
}

function activityWithHistory(): RiskActivityLog {
  const activity = new RiskActivityLog();
  for (let index = 0; index < 200; index += 1) {
    activity.recordAccepted({
      action: 'submit',
      clientOrderId: `past-${index}`,
      strategy: `strategy-${index % 3}`,
      symbol: SYMBOLS[index % SYMBOLS.length]!,
      side: 'buy',
      type: 'limit',
      quantity: dec('5'),
      limitPrice: dec('100'),
      stopPrice: null,
      at: new Date(AT.getTime() - 30_000 + index * 100),
    });
  }
  return activity;
}

/** Mids stay between our working bids (95.5) and asks (104.5), so the bench orders never self-match. */
function midOf(symbolIndex: number): string {
  return String(100 + (symbolIndex % 4));
}

function request(index: number): OrderCheckRequest {
  const symbolIndex = (index * 11) % 50;
  return {
    action: 'submit',
    accountId: ACCOUNT,
    strategy: `strategy-${index % 3}`,
    intentId: `bench-intent-${index}`,
    clientOrderId: `bench-${index}`,
    symbol: SYMBOLS[symbolIndex]!,
    side: index % 2 === 0 ? 'buy' : 'sell',
    type: 'limit',
    quantity: String(1 + (index % 50)),
    limitPrice: midOf(symbolIndex),
    origin: 'strategy',
    autoApproved: false,
    at: AT,
  };
}

function timeChecks(engine: PreTradeRiskEngine, snapshots: { empty: RiskView; loaded: RiskView }, iterations: number): { empty: number[]; loaded: number[] } {
  const empty: number[] = [];
  const loaded: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    // Interleaved, so a noisy moment on the machine hits both series alike.
    const order = request(index);
    let start = process.hrtime.bigint();
    const emptyDecision = engine.check(order, snapshots.empty);
    empty.push(Number(process.hrtime.bigint() - start) / 1e6);
    start = process.hrtime.bigint();
    const loadedDecision = engine.check(order, snapshots.loaded);
    loaded.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (emptyDecision.verdict !== 'allow' || loadedDecision.verdict !== 'allow') {
      const denied = emptyDecision.verdict === 'deny' ? emptyDecision : loadedDecision;
      throw new Error(`bench order ${order.clientOrderId} was denied (${denied.verdict === 'deny' ? denied.message : ''}); the bench measures the full path of an allowed order`);
    }
  }
  return { empty, loaded };
}

/** The risk service's view: the same inputs, fed one change at a time into a LiveRiskBook. */
function liveBook(input: RiskSnapshotInput): LiveRiskBook {
  const book = new LiveRiskBook({ accountId: input.accountId, mode: input.mode, instruments: input.instruments, ...(input.activity ? { activity: input.activity } : {}) });
  book.setLimits(input.limits);
  book.setEquity(input.equity);
  book.setBuyingPower(input.buyingPower);
  for (const [symbol, reference] of Object.entries(input.referencePrices)) book.setReferencePrice(symbol, reference);
  for (const position of input.positions) book.setPosition(position.symbol, position.quantity, position.averagePrice ?? null);
  for (const order of input.workingOrders) book.upsertWorkingOrder(order);
  for (const [scope, state] of Object.entries(input.tradingStates ?? {})) book.setTradingState(scope, state);
  for (const scope of input.killSwitches ?? []) book.setKillSwitch(scope, true);
  if (input.venueHalts) book.setVenueHalts(input.venueHalts);
  return book;
}

/**
 * One change the service applies between two checks (a quote for a held symbol, or an order moving), then the
 * check; interleaved with an empty-account check, so a noisy moment on the machine hits both series alike.
 */
function timeChangeThenCheck(
  engine: PreTradeRiskEngine,
  book: LiveRiskBook,
  empty: LiveRiskBook,
  iterations: number,
  change: (book: LiveRiskBook, index: number) => void,
): { changed: number[]; empty: number[] } {
  const changed: number[] = [];
  const baseline: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    let start = process.hrtime.bigint();
    engine.check(request(index), empty);
    baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
    start = process.hrtime.bigint();
    change(book, index);
    const decision = engine.check(request(index), book);
    changed.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (decision.verdict !== 'allow') throw new Error(`bench order ${index} was denied on the live book (${decision.message})`);
  }
  return { changed, empty: baseline };
}

export const suite: BenchSuite = {
  name: 'risk',
  async run({ quick, progress }) {
    const engine = new PreTradeRiskEngine();
    const snapshots = {
      empty: createRiskSnapshot(snapshotInput(0, 0, new RiskActivityLog())),
      loaded: createRiskSnapshot(snapshotInput(50, 100, activityWithHistory())),
    };
    const iterations = quick ? 5_000 : 50_000;
    progress('warming up');
    timeChecks(engine, snapshots, quick ? 2_000 : 10_000);
    progress(`timing ${iterations} checks against each snapshot`);
    const { empty, loaded } = timeChecks(engine, snapshots, iterations);

    // Before the rebuild series: rebuilding allocates enough that its garbage collections land on whatever runs next.
    progress('timing the live book (the risk service): check, quote + check, order change + check');
    const live = {
      empty: liveBook(snapshotInput(0, 0, new RiskActivityLog())),
      loaded: liveBook(snapshotInput(50, 100, activityWithHistory())),
    };
    timeChecks(engine, live, quick ? 2_000 : 10_000);
    const liveChecks = timeChecks(engine, live, iterations);
    const quoteThenCheck = timeChangeThenCheck(engine, liveBook(snapshotInput(50, 100, activityWithHistory())), live.empty, iterations, (book, index) => {
      const symbolIndex = (index * 11) % 50;
      // Mids move a cent either way around the level the bench orders are priced at.
      book.setReferencePrice(SYMBOLS[symbolIndex]!, { mid: (100 + (symbolIndex % 4) + (index % 2 === 0 ? 0.01 : -0.01)).toFixed(2), at: AT });
    });
    const orderThenCheck = timeChangeThenCheck(engine, liveBook(snapshotInput(50, 100, activityWithHistory())), live.empty, iterations, (book, index) => {
      const working = index % 100;
      book.upsertWorkingOrder({
        clientOrderId: `working-${working}`,
        intentId: `intent-${working % 40}`,
        strategy: `strategy-${working % 3}`,
        symbol: SYMBOLS[(working * 7) % SYMBOLS.length]!,
        side: working % 2 === 0 ? 'buy' : 'sell',
        type: 'limit',
        remainingQuantity: String(5 + (index % 10)),
        limitPrice: working % 2 === 0 ? '95.5' : '104.5',
      });
    });

    progress('timing snapshot rebuild + check');
    const rebuildIterations = quick ? 500 : 5_000;
    const activity = activityWithHistory();
    const input = snapshotInput(50, 100, activity);
    const rebuild: number[] = [];
    for (let index = 0; index < rebuildIterations; index += 1) {
      const start = process.hrtime.bigint();
      engine.check(request(index), createRiskSnapshot(input));
      rebuild.push(Number(process.hrtime.bigint() - start) / 1e6);
    }

    const emptyP99 = percentile(empty, 99);
    const figures: BenchFigure[] = [
      {
        name: 'pre-trade check p99, 50 positions + 100 working orders',
        value: percentile(loaded, 99),
        unit: 'ms',
        baseline: { name: 'empty account check p99', value: emptyP99 },
        higherIsBetter: false,
        target: { valueAtMost: 1 },
      },
      {
        name: 'pre-trade check p50, 50 positions + 100 working orders',
        value: percentile(loaded, 50),
        unit: 'ms',
        baseline: { name: 'empty account check p50', value: percentile(empty, 50) },
        higherIsBetter: false,
      },
      {
        name: 'live book (risk service) check p99, 50 positions + 100 working orders',
        value: percentile(liveChecks.loaded, 99),
        unit: 'ms',
        baseline: { name: 'live book empty account check p99', value: percentile(liveChecks.empty, 99) },
        higherIsBetter: false,
        target: { valueAtMost: 1 },
      },
      {
        name: 'live book quote for a held symbol + check p99, 50 positions + 100 working orders',
        value: percentile(quoteThenCheck.changed, 99),
        unit: 'ms',
        baseline: { name: 'interleaved empty account check p99', value: percentile(quoteThenCheck.empty, 99) },
        higherIsBetter: false,
        target: { valueAtMost: 1 },
      },
      {
        name: 'live book working-order change + check p99, 50 positions + 100 working orders',
        value: percentile(orderThenCheck.changed, 99),
        unit: 'ms',
        baseline: { name: 'interleaved empty account check p99', value: percentile(orderThenCheck.empty, 99) },
        higherIsBetter: false,
        target: { valueAtMost: 1 },
      },
      {
        name: 'snapshot rebuild + check p50, 50 positions + 100 working orders',
        value: percentile(rebuild, 50),
        unit: 'ms',
        baseline: { name: 'empty account check p50', value: percentile(empty, 50) },
        higherIsBetter: false,
      },
      {
        name: 'snapshot rebuild + check p99, 50 positions + 100 working orders',
        value: percentile(rebuild, 99),
        unit: 'ms',
        baseline: { name: 'empty account check p99', value: emptyP99 },
        higherIsBetter: false,
      },
    ];
    return figures;
  },
};
