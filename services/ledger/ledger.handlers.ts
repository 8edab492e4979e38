import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { followStore } from '@tollgate/application';
import type { BarMessage, QuoteMessage, RecordedEvent } from '@tollgate/contracts';
import {
  emptyLedgerFold,
  foldLedgerEvent,
  ledgerReport,
  ledgerTotals,
  positionQuantity,
  unmarkedSymbols,
  type AccountVenue,
  type LedgerFill,
  type LedgerState,
  type MarkState,
} from '@tollgate/domain/ledger';
import type { EventStore, Subscription } from '@tollgate/event-store';
import { dec, decString, Decimal, DomainError, ZERO } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { ledgerUpdatesSubject, type EquityPointView, type LedgerUpdate, type PositionsResponse } from './ledger.commands';

export const LEDGER_OPTIONS = Symbol('tollgate:ledger-options');

export interface LedgerOptions {
  accountId: string;
  /** Where the account's cash comes from (`venueOfMode`): the simulated exchange's opening, or the broker's, adopted by reconciliation. */
  venue: AccountVenue;
  /** Market time between two points of the equity curve. */
  equityPointIntervalMs: number;
  /** Points kept in memory (the oldest go first). */
  equityPointsKept: number;
}

interface RawMark {
  bid?: string;
  ask?: string;
  price?: string;
  at: number;
  iso: string;
}

/**
 * Positions and P&L: the FIFO ledger (libs/domain/src/ledger) folded from the event store's account
 * facts (`foldLedgerEvent`) — fills, whether `OrderFilled` or `BrokerFillAdopted` from broker sync, each
 * once by its fill id; the opening cash; reconciliation's `CashAdjusted` and `PositionAdjusted` — history
 * first, then live. Marks come from quotes and bars; they change unrealized P&L, never the fills, so
 * replaying the store from zero gives the same ledger exactly (`replayLedger`).
 */
@Injectable()
export class LedgerHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly ledger = emptyLedgerFold();
  /** The latest quote or bar per symbol, kept raw: a mark is computed when someone asks. */
  private readonly marks = new Map<string, RawMark>();
  private readonly curve: EquityPointView[] = [];
  private highWaterMark: Decimal | undefined;
  private lastPointAt = Number.NEGATIVE_INFINITY;
  private subscription: Subscription | undefined;
  private position = 0;
  private live = false;
  private quotesAndBars = 0;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(LEDGER_OPTIONS) private readonly options: LedgerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const followed = followStore(this.store, {
      handler: (event) => {
        this.apply(event);
        this.position = event.position;
      },
      onError: (error) => this.logger.error({ err: error }, 'the ledger stopped following the store'),
    });
    this.subscription = followed;
    await followed.caughtUp;
    this.live = true;
    this.logger.info({ fills: this.ledger.fillIds.size, checkpoint: this.position }, 'ledger caught up with the store');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
  }

  // ---- market data ----------------------------------------------------------------------------

  onQuote(quote: QuoteMessage): void {
    this.quotesAndBars += 1;
    const at = Date.parse(quote.timestamp);
    const current = this.marks.get(quote.symbol);
    if (current && current.at > at) return;
    this.marks.set(quote.symbol, { bid: quote.bid, ask: quote.ask, at, iso: quote.timestamp });
    this.sampleEquity(at, quote.timestamp);
  }

  onBar(bar: BarMessage): void {
    this.quotesAndBars += 1;
    const at = Date.parse(bar.timestamp);
    const current = this.marks.get(bar.symbol);
    if (current && current.at > at) return;
    this.marks.set(bar.symbol, { price: bar.close, at, iso: bar.timestamp });
    this.sampleEquity(at, bar.timestamp);
  }

  // ---- queries --------------------------------------------------------------------------------

  positions(symbol?: string): PositionsResponse {
    const marked = this.marked();
    const report = ledgerReport(marked);
    const totals = ledgerTotals(marked);
    return {
      positions: symbol ? report.positions.filter((position) => position.symbol === symbol) : report.positions,
      totals: report.totals,
      account: { initialCash: decString(marked.initialCash), cash: decString(totals.cash), equity: decString(totals.equity) },
      unmarked: unmarkedSymbols(marked),
      checkpoint: this.position,
      fills: this.ledger.fillIds.size,
    };
  }

  equityCurve(limit: number): EquityPointView[] {
    return this.curve.slice(-limit);
  }

  /** The fills-only ledger (no marks): what a replay from zero must equal. */
  fillLedger(): LedgerState {
    return this.ledger.state;
  }

  get checkpoint(): number {
    return this.position;
  }

  /** Quotes and bars received for marking, since start. */
  get marketDataReceived(): number {
    return this.quotesAndBars;
  }

  // ---- folding the store ----------------------------------------------------------------------

  private apply(event: RecordedEvent): void {
    try {
      const fill = foldLedgerEvent(this.ledger, event, { accountId: this.options.accountId, venue: this.options.venue });
      if (fill && this.live) this.announce(fill, event);
    } catch (error) {
      // A fill the ledger refuses is a broken fact; it is reported, never half-applied.
      this.logger.error({ err: error, eventId: event.id, type: event.type }, `ledger refused event ${event.id} at position ${event.position}`);
    }
  }

  private announce(fill: LedgerFill, event: RecordedEvent): void {
    const position = this.ledger.state.positions[fill.symbol];
    const update: LedgerUpdate = {
      fillId: fill.fillId!,
      orderId: typeof (event.data as { orderId?: unknown }).orderId === 'string' ? (event.data as { orderId: string }).orderId : null,
      symbol: fill.symbol,
      side: fill.side,
      quantity: decString(fill.quantity),
      price: decString(fill.price),
      position: decString(position ? positionQuantity(position) : ZERO),
      checkpoint: event.position,
    };
    this.bus.publish(ledgerUpdatesSubject, update);
  }

  private marked(): LedgerState {
    const state = this.ledger.state;
    if (this.marks.size === 0) return state;
    // One marks record built for every symbol at once: `applyMark` per symbol would copy the record each
    // time (quadratic in the symbols, and this runs at every equity point). Same rules as `applyMark`.
    const marks: Record<string, MarkState> = { ...state.marks };
    for (const [symbol, mark] of this.marks) {
      const price = mark.price !== undefined ? dec(mark.price) : dec(mark.bid!).plus(dec(mark.ask!)).div(2);
      if (!price.gt(0)) throw new DomainError('INVALID_MARK', `mark for ${symbol} price=${decString(price)} must be positive`);
      const current = marks[symbol];
      if (current && Date.parse(current.at) > mark.at) continue;
      marks[symbol] = { price, at: mark.iso };
    }
    return { ...state, marks };
  }

  /** One point of the equity curve per interval of market time, valued at the marks then. */
  private sampleEquity(at: number, iso: string): void {
    if (at - this.lastPointAt < this.options.equityPointIntervalMs) return;
    this.lastPointAt = at;
    if (this.ledger.fillIds.size === 0) return;
    const totals = ledgerTotals(this.marked());
    if (!this.highWaterMark || totals.equity.gt(this.highWaterMark)) this.highWaterMark = totals.equity;
    this.curve.push({
      at: iso,
      equity: decString(totals.equity),
      cash: decString(totals.cash),
      realizedPnl: decString(totals.realizedPnl),
      unrealizedPnl: decString(totals.unrealizedPnl),
      fees: decString(totals.fees),
      highWaterMark: decString(this.highWaterMark),
      drawdown: decString(this.highWaterMark.minus(totals.equity)),
    });
    if (this.curve.length > this.options.equityPointsKept) this.curve.splice(0, this.curve.length - this.options.equityPointsKept);
  }
}
