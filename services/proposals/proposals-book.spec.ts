import fc from 'fast-check';
import { Decimal, deterministicId } from '@tollgate/kernel';
import { orderIdFor } from '@tollgate/domain/order';
import { proposalOrderIntentIdFor } from '@tollgate/domain/proposal';
import { openQuantity, ProposalsBook } from './proposals-book';

/**
 * The book the proposals service decides with, driven by random order histories of one converted
 * proposal: entry fills and an entry that ends early, exit orders that fill, partly fill or end, and the
 * service's reactions to what `exitResolutions` says (complete, abandon). Whatever happens, the position
 * never goes negative, at most one exit works, and a proposal blocks new ones exactly while its position
 * is not over.
 */
const PROPOSAL = deterministicId('book-spec', 'proposal');
const INTENT = proposalOrderIntentIdFor(PROPOSAL);
const AT = '2024-07-01T14:00:00.000Z';

type Step =
  | { kind: 'entryFill'; quantity: number }
  | { kind: 'entryEnds' }
  | { kind: 'requestExit' }
  | { kind: 'exitFill'; quantity: number }
  | { kind: 'exitEnds' }
  | { kind: 'react' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('entryFill' as const), quantity: fc.integer({ min: 1, max: 60 }) }),
  fc.constant({ kind: 'entryEnds' as const }),
  fc.constant({ kind: 'requestExit' as const }),
  fc.record({ kind: fc.constant('exitFill' as const), quantity: fc.integer({ min: 1, max: 60 }) }),
  fc.constant({ kind: 'exitEnds' as const }),
  fc.constant({ kind: 'react' as const }),
);

function converted(book: ProposalsBook, quantity: string): void {
  const stream = `proposal-${PROPOSAL}`;
  book.apply({
    streamId: stream,
    type: 'ProposalCreated',
    data: { proposalId: PROPOSAL, strategy: 'trend', strategyVersion: 'v', symbol: 'SPY', side: 'buy', quantity, entryType: 'market', entryPrice: '100', stopPrice: '99', targetPrice: null, rationale: {}, createdAt: AT, expiresAt: AT, actor: 'system:proposals' },
  });
  book.apply({ streamId: stream, type: 'ProposalApproved', data: { proposalId: PROPOSAL, actor: 'auto', reason: null, approvedAt: AT } });
  book.apply({ streamId: stream, type: 'ProposalConverted', data: { proposalId: PROPOSAL, intentId: INTENT, intentKind: 'proposal', symbol: 'SPY', side: 'buy', quantity, orderType: 'market', limitPrice: null, stopPrice: '99', targetPrice: null, actor: 'system:proposals', convertedAt: AT } });
  initialize(book, INTENT, 'proposal', quantity);
}

function initialize(book: ProposalsBook, intentId: string, intentKind: string, quantity: string): void {
  const orderId = orderIdFor(intentId);
  book.apply({ streamId: `order-${orderId}`, type: 'OrderInitialized', data: { orderId, intentId, intentKind, attempt: 1, clientOrderId: `c-${orderId}`, symbol: 'SPY', side: intentKind === 'proposal' ? 'buy' : 'sell', type: 'market', quantity, timeInForce: 'day', initializedAt: AT } });
}

function fill(book: ProposalsBook, intentId: string, quantity: Decimal, index: number): void {
  const orderId = orderIdFor(intentId);
  book.apply({ streamId: `order-${orderId}`, type: 'OrderFilled', data: { orderId, clientOrderId: `c-${orderId}`, fillId: `f-${index}`, symbol: 'SPY', side: 'buy', quantity: quantity.toFixed(), price: '100', fee: '0', liquidity: 'taker', filledAt: AT } });
}

function end(book: ProposalsBook, intentId: string): void {
  const orderId = orderIdFor(intentId);
  book.apply({ streamId: `order-${orderId}`, type: 'OrderCanceled', data: { orderId, clientOrderId: `c-${orderId}`, canceledAt: AT, via: 'venue' } });
}

describe('the proposals book', () => {
  it('keeps every position non-negative, one exit at a time, and the duplicate rule in step with the position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(step, { maxLength: 40 }), (entryQuantity, steps) => {
        const book = new ProposalsBook('default');
        converted(book, String(entryQuantity));
        const position = () => book.positions.get(PROPOSAL)!;
        const order = (intentId: string) => book.ordersOf(intentId).at(-1);
        let exitCount = 0;
        steps.forEach((current, index) => {
          const entry = order(INTENT)!;
          const exitIntent = position().exit.status === 'exiting' ? (position().exit as { working: { exitIntentId: string } }).working.exitIntentId : null;
          const exitOrder = exitIntent ? order(exitIntent) : undefined;
          switch (current.kind) {
            case 'entryFill': {
              const left = entry.quantity.minus(entry.filled);
              if (entry.progress === 'working' && left.greaterThan(0)) fill(book, INTENT, Decimal.min(left, new Decimal(current.quantity)), index);
              break;
            }
            case 'entryEnds':
              if (entry.progress === 'working') end(book, INTENT);
              break;
            case 'requestExit': {
              const open = openQuantity(position());
              if (position().exit.status !== 'open' || position().closed || !open.greaterThan(0)) break;
              exitCount += 1;
              const exitIntentId = deterministicId('book-spec', 'exit', exitCount);
              book.apply({
                streamId: `positionexit-${PROPOSAL}`,
                type: 'ExitRequested',
                data: { positionId: PROPOSAL, exitIntentId, symbol: 'SPY', side: 'sell', quantity: open.toFixed(), orderType: 'market', limitPrice: null, detail: 'spec', requestedAt: AT, actor: 'system:proposals', rule: 'stop_loss', triggerPrice: '99' },
              });
              initialize(book, exitIntentId, 'exit', open.toFixed());
              break;
            }
            case 'exitFill': {
              if (!exitIntent || !exitOrder || exitOrder.progress !== 'working') break;
              const left = Decimal.min(exitOrder.quantity.minus(exitOrder.filled), openQuantity(position()));
              if (left.greaterThan(0)) fill(book, exitIntent, Decimal.min(left, new Decimal(current.quantity)), index);
              break;
            }
            case 'exitEnds':
              if (exitIntent && exitOrder?.progress === 'working') end(book, exitIntent);
              break;
            case 'react':
              for (const resolution of book.exitResolutions()) {
                const type = resolution.kind === 'complete' ? 'ExitCompleted' : resolution.kind === 'abandon' ? 'ExitAbandoned' : null;
                if (!type) continue;
                expect(resolution.kind === 'complete').toBe(openQuantity(resolution.position).lessThanOrEqualTo(0));
                const data =
                  type === 'ExitCompleted'
                    ? { positionId: PROPOSAL, exitIntentId: resolution.exitIntentId, completedAt: AT }
                    : { positionId: PROPOSAL, exitIntentId: resolution.exitIntentId, reason: 'spec', abandonedAt: AT };
                book.apply({ streamId: `positionexit-${PROPOSAL}`, type, data });
              }
              break;
          }
          const now = position();
          expect(openQuantity(now).greaterThanOrEqualTo(0)).toBe(true);
          expect(book.exitResolutions().filter((resolution) => resolution.position === now).length).toBeLessThanOrEqual(1);
          const blocking = book.openProposals.some((open) => open.proposalId === PROPOSAL);
          expect(blocking).toBe(!now.closed);
          // A position is over only when nothing is open and its entry stopped filling.
          if (now.closed) expect(openQuantity(now).isZero() && order(INTENT)!.progress !== 'working').toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("sizes on the broker's cash at a broker, and on the simulated exchange's opening only in SIMULATED", () => {
    const opened = { streamId: 'simexchange-default', type: 'SimulatedAccountOpened', data: { accountId: 'default', currency: 'USD', initialCash: '100000' } };
    const adopted = {
      streamId: 'reconciliation-default',
      type: 'CashAdjusted',
      data: { adjustmentId: deterministicId('a'), breakId: deterministicId('b'), accountId: 'default', currency: 'USD', cashBefore: '0', cashAfter: '25000', reason: 'opening balance', adjustedAt: AT },
    };
    const atBroker = new ProposalsBook('default', 'broker');
    const simulated = new ProposalsBook('default', 'simulated');
    for (const book of [atBroker, simulated]) {
      book.apply(opened);
      book.apply(adopted);
    }
    expect(atBroker.equity(new Map(), AT).toFixed()).toBe('25000');
    // In SIMULATED both count: the venue's opening, and an adjustment reconciliation adopted against it.
    expect(simulated.equity(new Map(), AT).toFixed()).toBe('125000');
  });
});
