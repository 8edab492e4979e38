import {
  POSITION_EXIT_STREAM_CATEGORY,
  PROPOSAL_STREAM_CATEGORY,
  REGIME_STREAM_CATEGORY,
  streamCategory,
  type EventData,
  type EmergencyStopStarted,
  type OrderFilledData,
  type OrderInitializedData,
  type PositionExitEvent,
  type PositionExitEventOf,
  type ProposalCreatedData,
  type ProposalEvent,
  type RecordedEvent,
  type RegimeEvent,
  type RiskLimitsChangedData,
} from '@tollgate/contracts';
import { evolveAutoMode, initialAutoModeState, type AutoModeEvent, type AutoModeState } from '@tollgate/domain/auto-mode';
import { evolvePositionExit, initialPositionExitState, type PositionExitState } from '@tollgate/domain/exit-rules';
import { applyMark, emptyLedgerFold, foldLedgerEvent, ledgerTotals, type AccountVenue } from '@tollgate/domain/ledger';
import { closeProposal, evolveOpenProposals, evolveProposal, initialProposalState, type OpenProposalView, type ProposalState } from '@tollgate/domain/proposal';
import { compileRiskLimits, type CompiledAccountLimits } from '@tollgate/domain/risk';
import type { OpenPosition } from '@tollgate/domain/strategy';
import { evolveRegime, initialRegimeState, type RegimeState } from '@tollgate/domain/structural-break';
import { dec, Decimal, ZERO } from '@tollgate/kernel';

/**
 * Everything the proposals service decides with, folded from the event store: proposals and the
 * open-proposals list (the duplicate rule), the positions its proposals opened (from their orders'
 * fills) with each one's exit aggregate, the regime of every symbol, auto-mode, the risk limits in
 * force, and a fills-only ledger for the equity that sizing uses. Pure: events in, state out; the
 * handlers do the I/O. Rebuilt from the store at start, so it is the same after a restart.
 */
export interface ProposalRecord {
  state: ProposalState;
  created: ProposalCreatedData;
  decision: { actor: string; reason: string | null; at: string } | null;
  intentId: string | null;
}

export type OrderProgress = 'working' | 'filled' | 'ended';

export interface TrackedOrder {
  orderId: string;
  intentId: string;
  intentKind: string;
  symbol: string;
  quantity: Decimal;
  filled: Decimal;
  progress: OrderProgress;
  /** Why it ended unfilled (denial reasons, rejection, cancel, expiry). */
  endedBecause: string | null;
}

/** A position one converted proposal opened; its id is the proposal's id. */
export interface ManagedPosition {
  positionId: string;
  proposal: ProposalCreatedData;
  side: 'long' | 'short';
  entryFilled: Decimal;
  entryNotional: Decimal;
  exitFilled: Decimal;
  openedAt: string | null;
  exit: PositionExitState;
  /** When its last exit order ended without flattening it (ms): rules wait a while before sending another. */
  lastExitEndedAt: number | null;
  closed: boolean;
}

export function openQuantity(position: ManagedPosition): Decimal {
  return position.entryFilled.minus(position.exitFilled);
}

export function averageEntryPrice(position: ManagedPosition): Decimal {
  return position.entryFilled.isZero() ? dec(position.proposal.entryPrice) : position.entryNotional.div(position.entryFilled);
}

/** What the handlers must do to bring an exit aggregate in line with its orders. */
export type ExitResolution =
  | { kind: 'complete'; position: ManagedPosition; exitIntentId: string }
  | { kind: 'abandon'; position: ManagedPosition; exitIntentId: string; reason: string }
  | { kind: 'place'; position: ManagedPosition; exitIntentId: string };

interface ExitIntent {
  positionId: string;
  intentKind: 'exit' | 'emergency';
  order: PositionExitEventOf<'ExitRequested' | 'EmergencyExit'>['data'];
}

export class ProposalsBook {
  readonly proposals = new Map<string, ProposalRecord>();
  openProposals: OpenProposalView[] = [];
  readonly positions = new Map<string, ManagedPosition>();
  readonly orders = new Map<string, TrackedOrder>();
  readonly regimes = new Map<string, RegimeState>();
  autoMode: AutoModeState = initialAutoModeState();
  private readonly limitsChanges: RiskLimitsChangedData[] = [];
  private compiledLimits: { source: RiskLimitsChangedData; account: CompiledAccountLimits | null } | null = null;
  private readonly ledger = emptyLedgerFold();
  private readonly entryIntents = new Map<string, string>();
  private readonly exitIntents = new Map<string, ExitIntent>();
  /** Intent → its orders (one per attempt). */
  private readonly ordersOfIntent = new Map<string, string[]>();
  /** An emergency stop's flatten orders: intent → whose position it reduces. */
  private readonly emergencyIntents = new Map<string, { strategy: string | null; symbol: string; side: string }>();

  constructor(
    private readonly accountId: string,
    /** Where the account's cash comes from: the simulated exchange's opening, or the broker's (adopted by reconciliation). */
    private readonly venue: AccountVenue = 'simulated',
  ) {}

  apply(event: Pick<RecordedEvent, 'streamId' | 'type' | 'data'>): void {
    const category = streamCategory(event.streamId);
    if (category === PROPOSAL_STREAM_CATEGORY) return this.applyProposal(event as unknown as ProposalEvent);
    if (category === POSITION_EXIT_STREAM_CATEGORY) return this.applyExit(event.streamId, event as unknown as PositionExitEvent);
    if (category === REGIME_STREAM_CATEGORY) {
      const regime = event as unknown as RegimeEvent;
      this.regimes.set(regime.data.symbol, evolveRegime(this.regimes.get(regime.data.symbol) ?? initialRegimeState(), regime));
      return;
    }
    switch (event.type) {
      case 'OrderInitialized':
        return this.orderInitialized(event.data as OrderInitializedData);
      case 'OrderFilled':
        this.orderFilled(event.data as OrderFilledData);
        break;
      case 'OrderReplaced': {
        const order = this.orders.get((event.data as { orderId: string }).orderId);
        if (order) order.quantity = dec((event.data as { quantity: string }).quantity);
        return;
      }
      case 'OrderDenied':
        return this.orderEnded(event.data as { orderId: string }, `denied: ${(event.data as { reasons: string[] }).reasons.join('; ')}`);
      case 'OrderRejected':
        return this.orderEnded(event.data as { orderId: string }, `rejected: ${(event.data as { reason: string }).reason}`);
      case 'OrderCanceled':
        return this.orderEnded(event.data as { orderId: string }, 'canceled');
      case 'OrderExpired':
        return this.orderEnded(event.data as { orderId: string }, 'expired');
      case 'AutoModeEnabled':
      case 'AutoModeDisabled':
      case 'AutoApprovalCounted':
        if (event.streamId === `automode-${this.accountId}`) this.autoMode = evolveAutoMode(this.autoMode, event as unknown as AutoModeEvent);
        return;
      case 'RiskLimitsChanged':
        this.limitsChanges.push(event.data as RiskLimitsChangedData);
        this.compiledLimits = null;
        return;
      case 'EmergencyStopStarted':
      case 'EmergencyStopProgress':
        for (const order of (event.data as EventData<typeof EmergencyStopStarted>).flattenOrders) {
          if (order.accountId === this.accountId) this.emergencyIntents.set(order.clientOrderId, { strategy: order.strategy, symbol: order.symbol, side: order.side });
        }
        return;
    }
    // Fills and the simulated account's opening cash feed the equity sizing uses.
    foldLedgerEvent(this.ledger, event, { accountId: this.accountId, venue: this.venue });
  }

  // ---- queries --------------------------------------------------------------------------------

  regimeOf(symbol: string): RegimeState | null {
    return this.regimes.get(symbol) ?? null;
  }

  pendingProposals(): ProposalRecord[] {
    return [...this.proposals.values()].filter((record) => record.state.status === 'pending');
  }

  /** Positions with shares open (or an entry still filling), oldest first. */
  openPositions(symbol?: string): ManagedPosition[] {
    return [...this.positions.values()].filter((position) => !position.closed && (symbol === undefined || position.proposal.symbol === symbol) && openQuantity(position).greaterThan(0));
  }

  /** The strategy's open positions per symbol, signed (negative is short), for its `decide`. */
  strategyPositions(strategy: string): OpenPosition[] {
    const bySymbol = new Map<string, { quantity: Decimal; cost: Decimal }>();
    for (const position of this.openPositions()) {
      if (position.proposal.strategy !== strategy) continue;
      const quantity = openQuantity(position);
      const signed = position.side === 'long' ? quantity : quantity.negated();
      const entry = bySymbol.get(position.proposal.symbol) ?? { quantity: ZERO, cost: ZERO };
      bySymbol.set(position.proposal.symbol, { quantity: entry.quantity.plus(signed), cost: entry.cost.plus(quantity.mul(averageEntryPrice(position))) });
    }
    return [...bySymbol.entries()].map(([symbol, entry]) => ({ symbol, quantity: entry.quantity, averagePrice: entry.quantity.isZero() ? ZERO : entry.cost.div(entry.quantity.abs()) }));
  }

  /** Equity from the fills and the given marks (cash + marked positions). */
  equity(marks: ReadonlyMap<string, Decimal>, at: string): Decimal {
    let state = this.ledger.state;
    for (const [symbol, price] of marks) if (state.positions[symbol]) state = applyMark(state, { symbol, price, at });
    return ledgerTotals(state).equity;
  }

  /**
   * The account's limits as the risk service enforces them — the latest change — or null when none are
   * configured (the risk service denies everything then).
   */
  limits(): CompiledAccountLimits | null {
    const change = this.limitsChanges.at(-1);
    if (!change) return null;
    if (this.compiledLimits?.source !== change) this.compiledLimits = { source: change, account: compileRiskLimits(change.limits).account(this.accountId) };
    return this.compiledLimits.account;
  }

  /** The orders of an intent, latest attempt last. */
  ordersOf(intentId: string): TrackedOrder[] {
    return (this.ordersOfIntent.get(intentId) ?? []).map((orderId) => this.orders.get(orderId)!).filter(Boolean);
  }

  /** Converted proposals whose order never reached execution (a crash or a lost request between the two). */
  unplacedConversions(): ProposalRecord[] {
    return [...this.proposals.values()].filter((record) => record.state.status === 'converted' && record.intentId !== null && this.ordersOf(record.intentId).length === 0);
  }

  /**
   * Exits whose aggregate and orders disagree: the working exit's order filled the position flat
   * (complete it), ended without flattening it (abandon it, so a rule may exit again), or was never
   * placed (place it).
   */
  exitResolutions(): ExitResolution[] {
    const resolutions: ExitResolution[] = [];
    for (const position of this.positions.values()) {
      if (position.exit.status !== 'exiting') continue;
      const exitIntentId = position.exit.working.exitIntentId;
      const orders = this.ordersOf(exitIntentId);
      const latest = orders.at(-1);
      if (openQuantity(position).lessThanOrEqualTo(0) && position.entryFilled.greaterThan(0)) {
        // Flat, but an entry still working (its cancel on the way) could add shares: complete once it has ended.
        if (!this.entryWorking(position)) resolutions.push({ kind: 'complete', position, exitIntentId });
      } else if (!latest) {
        resolutions.push({ kind: 'place', position, exitIntentId });
      } else if (latest.progress !== 'working') {
        resolutions.push({ kind: 'abandon', position, exitIntentId, reason: `exit order ${latest.orderId} ${latest.endedBecause ?? latest.progress} with ${openQuantity(position).toFixed()} still open` });
      }
    }
    return resolutions;
  }

  /** The order the exit aggregate recorded for an intent (for placing it). */
  exitIntent(exitIntentId: string): ExitIntent | undefined {
    return this.exitIntents.get(exitIntentId);
  }

  // ---- folding --------------------------------------------------------------------------------

  private applyProposal(event: ProposalEvent): void {
    const proposalId = event.data.proposalId;
    const existing = this.proposals.get(proposalId);
    if (event.type !== 'ProposalCreated' && !existing) return;
    const record: ProposalRecord = existing ?? { state: initialProposalState(), created: (event.data as ProposalCreatedData), decision: null, intentId: null };
    record.state = evolveProposal(record.state, event);
    switch (event.type) {
      case 'ProposalCreated':
        record.created = event.data;
        break;
      case 'ProposalApproved':
        record.decision = { actor: event.data.actor, reason: event.data.reason, at: event.data.approvedAt };
        break;
      case 'ProposalRejected':
        record.decision = { actor: event.data.actor, reason: event.data.reason, at: event.data.rejectedAt };
        break;
      case 'ProposalExpired':
        record.decision = { actor: event.data.actor, reason: null, at: event.data.expiredAt };
        break;
      case 'ProposalConverted':
        record.intentId = event.data.intentId;
        this.entryIntents.set(event.data.intentId, proposalId);
        this.positions.set(proposalId, {
          positionId: proposalId,
          proposal: record.created,
          side: record.created.side === 'buy' ? 'long' : 'short',
          entryFilled: ZERO,
          entryNotional: ZERO,
          exitFilled: ZERO,
          openedAt: null,
          exit: initialPositionExitState(),
          lastExitEndedAt: null,
          closed: false,
        });
        break;
    }
    this.proposals.set(proposalId, record);
    this.openProposals = evolveOpenProposals(this.openProposals, event);
  }

  private applyExit(streamId: string, event: PositionExitEvent): void {
    const position = this.positions.get(streamId.slice(POSITION_EXIT_STREAM_CATEGORY.length + 1));
    // Exit streams of positions this service did not open (an emergency stop's) are the risk service's.
    if (!position) return;
    position.exit = evolvePositionExit(position.exit, event);
    if (event.type === 'ExitRequested' || event.type === 'EmergencyExit') {
      this.exitIntents.set(event.data.exitIntentId, { positionId: position.positionId, intentKind: event.type === 'EmergencyExit' ? 'emergency' : 'exit', order: event.data });
    }
    if (event.type === 'ExitAbandoned') position.lastExitEndedAt = Date.parse(event.data.abandonedAt);
    if (event.type === 'ExitCompleted') this.close(position);
  }

  private orderInitialized(data: OrderInitializedData): void {
    this.orders.set(data.orderId, {
      orderId: data.orderId,
      intentId: data.intentId,
      intentKind: data.intentKind,
      symbol: data.symbol,
      quantity: dec(data.quantity),
      filled: ZERO,
      progress: 'working',
      endedBecause: null,
    });
    this.ordersOfIntent.set(data.intentId, [...(this.ordersOfIntent.get(data.intentId) ?? []), data.orderId]);
  }

  private orderFilled(data: OrderFilledData): void {
    const order = this.orders.get(data.orderId);
    if (!order) return;
    const quantity = dec(data.quantity);
    order.filled = order.filled.plus(quantity);
    if (order.filled.greaterThanOrEqualTo(order.quantity)) order.progress = 'filled';
    const entryOf = this.entryIntents.get(order.intentId);
    if (entryOf) {
      const position = this.positions.get(entryOf)!;
      position.entryFilled = position.entryFilled.plus(quantity);
      position.entryNotional = position.entryNotional.plus(quantity.mul(dec(data.price)));
      position.openedAt ??= data.filledAt;
      return this.checkClosed(position);
    }
    const exit = this.exitIntents.get(order.intentId);
    if (exit) {
      const position = this.positions.get(exit.positionId)!;
      position.exitFilled = position.exitFilled.plus(quantity);
      return this.checkClosed(position);
    }
    const emergency = this.emergencyIntents.get(order.intentId);
    if (emergency) this.attributeEmergencyFill(emergency, quantity);
  }

  /** An emergency stop flattens per strategy and symbol: its fills reduce that strategy's positions there, oldest first. */
  private attributeEmergencyFill(emergency: { strategy: string | null; symbol: string; side: string }, quantity: Decimal): void {
    let remaining = quantity;
    const reducesLong = emergency.side === 'sell';
    for (const position of this.openPositions(emergency.symbol)) {
      if (remaining.lessThanOrEqualTo(0)) break;
      if (position.proposal.strategy !== emergency.strategy || (position.side === 'long') !== reducesLong) continue;
      const taken = Decimal.min(remaining, openQuantity(position));
      position.exitFilled = position.exitFilled.plus(taken);
      remaining = remaining.minus(taken);
      this.checkClosed(position);
    }
  }

  private orderEnded(data: { orderId: string }, because: string): void {
    const order = this.orders.get(data.orderId);
    if (!order || order.progress !== 'working') return;
    order.progress = 'ended';
    order.endedBecause = because;
    const entryOf = this.entryIntents.get(order.intentId);
    if (entryOf) this.checkClosed(this.positions.get(entryOf)!);
  }

  /** A position is over when its entry stopped filling and nothing is open: its proposal no longer blocks a new one. */
  private checkClosed(position: ManagedPosition): void {
    if (position.closed) return;
    if (this.entryWorking(position) || openQuantity(position).greaterThan(0)) return;
    if (position.exit.status === 'exiting' && position.entryFilled.greaterThan(0)) return; // closed by ExitCompleted
    this.close(position);
  }

  private entryWorking(position: ManagedPosition): boolean {
    return this.ordersOf(this.proposals.get(position.positionId)?.intentId ?? '').some((order) => order.progress === 'working');
  }

  private close(position: ManagedPosition): void {
    position.closed = true;
    this.openProposals = closeProposal(this.openProposals, position.positionId);
  }
}
