import fc from 'fast-check';
import { ZERO, type Decimal } from '@tollgate/kernel';
import { compileRiskLimits, parseRiskLimits } from '../limits/limits';
import { ACCOUNT, accountOf, limitsDocument, order, T0 } from '../risk.fixtures';
import { PreTradeRiskEngine } from './engine';
import { LiveRiskBook, TRADING_STATE_SOURCES, type TradingStateSource } from './live-book';
import { createRiskSnapshot, type ReferencePriceInput, type RiskView, type TradingStateView, type WorkingOrderInput } from './snapshot';

const SYMBOLS = ['AAPL', 'MSFT', 'XOM', 'CVX', 'TSLA'] as const;
const INSTRUMENTS = Object.fromEntries(SYMBOLS.map((symbol) => [symbol, { tickSize: '0.01', shortable: symbol !== 'TSLA' }]));
const limits = compileRiskLimits(
  parseRiskLimits(
    limitsDocument((document) => {
      accountOf(document).exposure.sectors = { technology: '60000', energy: '40000' };
      accountOf(document).exposure.maxGrossNotional = '150000';
      accountOf(document).exposure.maxNetNotional = '80000';
      accountOf(document).exposure.maxPositions = 3;
      accountOf(document).exposure.maxPositionShareOfEquity = '0.5';
    }),
  ),
);

type Change =
  | { kind: 'position'; symbol: string; quantity: number; averagePrice: number | null }
  | { kind: 'order'; id: number; symbol: string; side: WorkingOrderInput['side']; type: WorkingOrderInput['type']; quantity: number; price: number; intent: number }
  | { kind: 'remove'; id: number }
  | { kind: 'quote'; symbol: string; mid: number };

const symbol = fc.constantFrom(...SYMBOLS);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('position' as const), symbol, quantity: fc.integer({ min: -400, max: 400 }), averagePrice: fc.option(fc.integer({ min: 1, max: 300 })) }),
  fc.record({
    kind: fc.constant('order' as const),
    id: fc.integer({ min: 0, max: 12 }),
    symbol,
    side: fc.constantFrom('buy', 'sell', 'sell_short', 'buy_to_cover'),
    type: fc.constantFrom('limit', 'market', 'stop', 'stop_limit'),
    quantity: fc.integer({ min: 1, max: 300 }),
    price: fc.integer({ min: 1, max: 300 }),
    intent: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('quote' as const), symbol, mid: fc.integer({ min: 1, max: 300 }) }),
);

/** The same changes kept as plain inputs, to build a RiskSnapshot from scratch. */
class Inputs {
  positions = new Map<string, { quantity: string; averagePrice: string | null }>();
  orders = new Map<string, WorkingOrderInput>();
  references: Record<string, ReferencePriceInput> = {};
}

function workingOrder(change: Extract<Change, { kind: 'order' }>): WorkingOrderInput {
  const priced = change.type !== 'market';
  return {
    clientOrderId: `order-${change.id}`,
    intentId: `intent-${change.intent}`,
    strategy: change.intent % 2 === 0 ? 'alpha' : 'beta',
    symbol: change.symbol,
    side: change.side,
    type: change.type,
    remainingQuantity: String(change.quantity),
    limitPrice: priced && change.type !== 'stop' ? String(change.price) : null,
    stopPrice: change.type === 'stop' || change.type === 'stop_limit' ? String(change.price + 1) : null,
  };
}

function apply(book: LiveRiskBook, inputs: Inputs, item: Change): void {
  switch (item.kind) {
    case 'position': {
      const averagePrice = item.averagePrice === null ? null : String(item.averagePrice);
      book.setPosition(item.symbol, String(item.quantity), averagePrice);
      if (item.quantity === 0 && averagePrice === null) inputs.positions.delete(item.symbol);
      else inputs.positions.set(item.symbol, { quantity: String(item.quantity), averagePrice });
      return;
    }
    case 'order': {
      const input = workingOrder(item);
      book.upsertWorkingOrder(input);
      // Upsert keeps the order's place only when it stays in its symbol's insertion order; mirror Map semantics.
      inputs.orders.delete(input.clientOrderId);
      inputs.orders.set(input.clientOrderId, input);
      return;
    }
    case 'remove':
      book.removeWorkingOrder(`order-${item.id}`);
      inputs.orders.delete(`order-${item.id}`);
      return;
    case 'quote': {
      const reference = { mid: String(item.mid), at: T0 };
      book.setReferencePrice(item.symbol, reference);
      inputs.references[item.symbol] = reference;
      return;
    }
  }
}

function rebuilt(inputs: Inputs): RiskView {
  return createRiskSnapshot({
    accountId: ACCOUNT,
    mode: 'SIMULATED',
    limits,
    equity: '100000',
    buyingPower: '100000',
    positions: [...inputs.positions.entries()].map(([name, position]) => ({ symbol: name, quantity: position.quantity, averagePrice: position.averagePrice })),
    workingOrders: [...inputs.orders.values()],
    referencePrices: inputs.references,
    instruments: INSTRUMENTS,
  });
}

const text = (value: Decimal | null | undefined): string | null => (value === null || value === undefined ? null : value.toFixed());

function summary(view: RiskView) {
  const sectors: Record<string, string> = {};
  for (const [sector, notional] of view.totals.sectors) if (!notional.isZero()) sectors[sector] = notional.toFixed();
  const books: Record<string, unknown> = {};
  for (const [name, book] of view.books) {
    const worst = view.worst.get(name)!;
    // A symbol with nothing held or working reads the same present or absent.
    if (!worst.open && book.position.isZero() && book.workingBuy.isZero() && book.workingSell.isZero()) continue;
    books[name] = {
      position: text(book.position),
      workingBuy: text(book.workingBuy),
      workingSell: text(book.workingSell),
      valuation: text(book.valuation),
      highestOwnBid: book.highestOwnBid ? [book.highestOwnBid.clientOrderId, text(book.highestOwnBid.price)] : null,
      lowestOwnAsk: book.lowestOwnAsk ? [book.lowestOwnAsk.clientOrderId, text(book.lowestOwnAsk.price)] : null,
      worst: [text(worst.longExtreme), text(worst.shortExtreme), text(worst.quantity), text(worst.notional), worst.open],
    };
  }
  const intents: Record<string, string> = {};
  for (const [intent, quantity] of view.intentWorking) if (!quantity.isZero()) intents[intent] = quantity.toFixed();
  return {
    gross: view.totals.gross.toFixed(),
    netHigh: view.totals.netHigh.toFixed(),
    netLow: view.totals.netLow.toFixed(),
    openPositions: view.totals.openPositions,
    reserved: view.totals.reservedBuyingPower.toFixed(),
    openOrders: view.totals.openOrders,
    unvalued: [...view.totals.unvalued].sort(),
    sectors,
    books,
    intents,
    working: [...view.workingById.keys()].sort(),
  };
}

function newBook(): LiveRiskBook {
  const book = new LiveRiskBook({ accountId: ACCOUNT, mode: 'SIMULATED', instruments: INSTRUMENTS });
  book.setLimits(limits);
  book.setEquity('100000');
  book.setBuyingPower('100000');
  return book;
}

describe('LiveRiskBook, the risk service’s incrementally updated view', () => {
  it('reads exactly like a snapshot rebuilt from the same inputs after any sequence of changes (property)', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
        const book = newBook();
        const inputs = new Inputs();
        for (const item of changes) apply(book, inputs, item);
        expect(summary(book)).toEqual(summary(rebuilt(inputs)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same decision as a rebuilt snapshot for any order (property)', () => {
    const engine = new PreTradeRiskEngine();
    fc.assert(
      fc.property(
        fc.array(change, { maxLength: 40 }),
        symbol,
        fc.constantFrom('buy', 'sell', 'sell_short', 'buy_to_cover'),
        fc.integer({ min: 1, max: 500 }),
        (changes, orderSymbol, side, quantity) => {
          const book = newBook();
          const inputs = new Inputs();
          for (const item of changes) apply(book, inputs, { ...item });
          // Every symbol priced, so the decision exercises exposure rather than stopping at a missing reference.
          for (const name of SYMBOLS) apply(book, inputs, { kind: 'quote', symbol: name, mid: 100 });
          const request = order({ symbol: orderSymbol, side: side as 'buy', quantity: String(quantity), type: 'market', limitPrice: null });
          const live = engine.check(request, book);
          const whole = engine.check(request, rebuilt(inputs));
          expect(live.verdict).toBe(whole.verdict);
          if (live.verdict === 'deny' && whole.verdict === 'deny') expect(live.message).toBe(whole.message);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops a symbol from the totals once it is flat and has no working orders', () => {
    const book = newBook();
    book.setReferencePrice('AAPL', { mid: '100', at: T0 });
    book.setPosition('AAPL', '10');
    book.upsertWorkingOrder({ clientOrderId: 'w', intentId: 'i', strategy: 'alpha', symbol: 'AAPL', side: 'buy', type: 'limit', remainingQuantity: '5', limitPrice: '99' });
    expect(book.totals.gross.toFixed()).toBe('1500');
    book.removeWorkingOrder('w');
    book.setPosition('AAPL', '0');
    expect(book.totals.gross.equals(ZERO)).toBe(true);
    expect(book.books.has('AAPL')).toBe(false);
    expect(book.intentWorking.has('i')).toBe(false);
  });

  it('revalues only on a quote for a symbol it holds, and a quote reaches the check', () => {
    const book = newBook();
    book.setPosition('MSFT', '100');
    book.setReferencePrice('MSFT', { mid: '200', at: T0 });
    expect(book.totals.gross.toFixed()).toBe('20000');
    book.setReferencePrice('MSFT', { mid: '210', at: T0 });
    expect(book.totals.gross.toFixed()).toBe('21000');
    book.setReferencePrice('AAPL', { mid: '100', at: T0 });
    expect(book.totals.gross.toFixed()).toBe('21000');
    expect(book.referencePrice('AAPL')?.mid.toFixed()).toBe('100');
  });
});

describe('LiveRiskBook trading states held by more than one source', () => {
  const scope = `account:${ACCOUNT}`;
  const rank = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;
  const move = fc.record({
    source: fc.constantFrom(...TRADING_STATE_SOURCES),
    status: fc.constantFrom('ACTIVE' as const, 'REDUCING' as const, 'HALTED' as const),
    cause: fc.constantFrom('operator', 'breaker:daily_loss', 'reconciliation:not_ready'),
  });

  it('reads the most restrictive state any source holds, whatever order they move in (property)', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 30 }), (moves) => {
        const book = newBook();
        const held = new Map<TradingStateSource, TradingStateView>();
        for (const { source, status, cause } of moves) {
          book.setTradingState(scope, { status, cause }, source);
          if (status === 'ACTIVE') held.delete(source);
          else held.set(source, { status, cause });
        }
        const strictest = Math.max(0, ...[...held.values()].map((state) => rank[state.status]));
        const read = book.tradingStates[scope];
        expect(read ? rank[read.status] : 0).toBe(strictest);
        if (read) expect([...held.values()]).toContainEqual(read);
      }),
      { numRuns: 300 },
    );
  });

  it('does not let readiness becoming ready release an operator HALT, nor the operator releasing lift not-ready', () => {
    const book = newBook();
    book.setTradingState(scope, { status: 'HALTED', cause: 'operator' });
    book.setTradingState(scope, { status: 'HALTED', cause: 'reconciliation:not_ready' }, 'readiness');
    book.setTradingState(scope, null, 'readiness');
    expect(book.tradingStates[scope]).toEqual({ status: 'HALTED', cause: 'operator' });
    book.setTradingState(scope, { status: 'HALTED', cause: 'reconciliation:not_ready' }, 'readiness');
    book.setTradingState(scope, { status: 'ACTIVE', cause: 'operator' });
    expect(book.tradingStates[scope]).toEqual({ status: 'HALTED', cause: 'reconciliation:not_ready' });
    expect(engineDenials(book)).toEqual([`TRADING_HALTED: scope=${scope}, cause=reconciliation:not_ready`]);
    book.setTradingState(scope, null, 'readiness');
    expect(book.tradingStates[scope]).toBeUndefined();
  });
});

function engineDenials(book: LiveRiskBook): string[] {
  book.setReferencePrice('AAPL', { mid: '100', at: T0 });
  const decision = new PreTradeRiskEngine().check(order({ symbol: 'AAPL', quantity: '1', limitPrice: '100', at: T0 }), book);
  return decision.verdict === 'deny' ? decision.message.split('; ') : [];
}
