import type { RecordedEvent } from '@tollgate/contracts';
import { dec, Decimal, decString, ZERO } from '@tollgate/kernel';

/**
 * `DIR/summary.json`: what a simulation did, computed from its event log (and the ledger's P&L, which
 * is a fold of the same log marked at the last prices). Only market time and counts appear — no wall
 * clock, no random id — so two runs with the same inputs and seed give the same bytes.
 */
export interface SimulationSummary {
  run: {
    mode: 'SIMULATED';
    feed: string;
    symbols: string[];
    barInterval: string | null;
    derivedQuotes: boolean;
    strategies: Array<{ name: string; version: string }>;
    seed: number;
    auto: boolean;
    timeInForce: string;
    from: string | null;
    to: string | null;
    bars: number;
    quotes: number;
    rejectedTicks: Record<string, number>;
    events: number;
  };
  pnl: {
    initialCash: string;
    equity: string;
    /** realized + unrealized − fees */
    netPnl: string;
    realizedPnl: string;
    unrealizedPnl: string;
    fees: string;
    /** netPnl / initialCash × 100, 4 decimal places. */
    returnPercent: string;
  };
  trades: {
    /** Proposals whose entry order filled (in part or whole). */
    entries: number;
    /** Positions closed by an exit, with the result of each (fees included). */
    closed: number;
    winning: number;
    losing: number;
    openAtEnd: number;
    fills: number;
    orders: Record<string, number>;
    ordersByKind: Record<string, number>;
  };
  proposals: {
    created: number;
    approved: { byPerson: number; byAuto: number };
    rejected: number;
    expired: number;
    converted: number;
    pendingAtEnd: number;
    /** Not created or not approved, by DomainError code (refusals append nothing). */
    refused: Record<string, number>;
    /** Strategy signals that did not become proposals, by reason. */
    skippedSignals: Record<string, number>;
    /** Proposals auto-mode's rails left for a person (who, in a simulation, never comes). */
    autoDeclined: number;
  };
  exits: {
    requested: number;
    byRule: Record<string, number>;
    completed: number;
    abandoned: number;
    emergency: { total: number; duringMarketHours: number; byCause: Record<string, number> };
  };
  breaks: { suspected: number; confirmed: number; dismissed: number; bySymbol: Record<string, { suspected: number; confirmed: number; dismissed: number }> };
}

export interface SummaryInputs {
  run: Omit<SimulationSummary['run'], 'events'>;
  ledger: { initialCash: string; equity: string; totals: { realizedPnl: string; unrealizedPnl: string; fees: string; netPnl: string } };
  statistics: { refused: Record<string, number>; skipped: Record<string, number>; autoDeclined: number };
}

interface OrderFacts {
  intentId: string;
  intentKind: string;
  quantity: Decimal;
  filled: Decimal;
  notional: Decimal;
  fees: Decimal;
  status: string;
}

export function summarizeSimulation(events: readonly RecordedEvent[], inputs: SummaryInputs): SimulationSummary {
  const orders = new Map<string, OrderFacts>();
  const proposalIntents = new Map<string, { proposalId: string; long: boolean }>();
  const exitIntents = new Map<string, string>();
  const proposals = { created: 0, byPerson: 0, byAuto: 0, rejected: 0, expired: 0, converted: 0 };
  const exits = { requested: 0, byRule: {} as Record<string, number>, completed: 0, abandoned: 0, emergency: { total: 0, duringMarketHours: 0, byCause: {} as Record<string, number> } };
  const breaks = { suspected: 0, confirmed: 0, dismissed: 0, bySymbol: {} as Record<string, { suspected: number; confirmed: number; dismissed: number }> };
  const closedPositions = new Set<string>();
  let fills = 0;

  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'ProposalCreated':
        proposals.created += 1;
        break;
      case 'ProposalApproved':
        if (data.actor === 'auto') proposals.byAuto += 1;
        else proposals.byPerson += 1;
        break;
      case 'ProposalRejected':
        proposals.rejected += 1;
        break;
      case 'ProposalExpired':
        proposals.expired += 1;
        break;
      case 'ProposalConverted':
        proposals.converted += 1;
        proposalIntents.set(data.intentId as string, { proposalId: data.proposalId as string, long: data.side === 'buy' });
        break;
      case 'ExitRequested':
        exits.requested += 1;
        count(exits.byRule, data.rule as string);
        exitIntents.set(data.exitIntentId as string, data.positionId as string);
        break;
      case 'EmergencyExit':
        exits.emergency.total += 1;
        if (data.duringMarketHours === true) exits.emergency.duringMarketHours += 1;
        count(exits.emergency.byCause, data.cause as string);
        if (typeof data.rule === 'string') count(exits.byRule, data.rule);
        exitIntents.set(data.exitIntentId as string, data.positionId as string);
        break;
      case 'ExitCompleted':
        exits.completed += 1;
        closedPositions.add(data.positionId as string);
        break;
      case 'ExitAbandoned':
        exits.abandoned += 1;
        break;
      case 'StructuralBreakSuspected':
      case 'StructuralBreakConfirmed':
      case 'StructuralBreakDismissed': {
        const key = event.type === 'StructuralBreakSuspected' ? 'suspected' : event.type === 'StructuralBreakConfirmed' ? 'confirmed' : 'dismissed';
        breaks[key] += 1;
        const symbol = data.symbol as string;
        breaks.bySymbol[symbol] ??= { suspected: 0, confirmed: 0, dismissed: 0 };
        breaks.bySymbol[symbol][key] += 1;
        break;
      }
      case 'OrderInitialized':
        orders.set(data.orderId as string, { intentId: data.intentId as string, intentKind: data.intentKind as string, quantity: dec(data.quantity as string), filled: ZERO, notional: ZERO, fees: ZERO, status: 'Working' });
        break;
      case 'OrderFilled': {
        fills += 1;
        const order = orders.get(data.orderId as string);
        if (!order) break;
        const quantity = dec(data.quantity as string);
        order.filled = order.filled.plus(quantity);
        order.notional = order.notional.plus(quantity.mul(dec(data.price as string)));
        order.fees = order.fees.plus(dec(data.fee as string));
        order.status = order.filled.greaterThanOrEqualTo(order.quantity) ? 'Filled' : 'PartiallyFilled';
        break;
      }
      case 'OrderDenied':
      case 'OrderRejected':
      case 'OrderCanceled':
      case 'OrderExpired': {
        const order = orders.get(data.orderId as string);
        if (order && order.status !== 'Filled') order.status = event.type.slice('Order'.length);
        break;
      }
    }
  }

  // Each closed position's result: exit proceeds − entry cost (mirrored for a short) − the fees of both.
  const results = new Map<string, { entry: Decimal; exit: Decimal; fees: Decimal; long: boolean }>();
  let entries = 0;
  for (const order of orders.values()) {
    const entry = proposalIntents.get(order.intentId);
    const exitOf = exitIntents.get(order.intentId);
    const positionId = entry?.proposalId ?? exitOf;
    if (!positionId) continue;
    const result = results.get(positionId) ?? { entry: ZERO, exit: ZERO, fees: ZERO, long: true };
    if (entry) {
      result.entry = result.entry.plus(order.notional);
      result.long = entry.long;
      if (order.filled.greaterThan(0)) entries += 1;
    } else {
      result.exit = result.exit.plus(order.notional);
    }
    result.fees = result.fees.plus(order.fees);
    results.set(positionId, result);
  }
  let winning = 0;
  let losing = 0;
  for (const positionId of closedPositions) {
    const result = results.get(positionId);
    if (!result) continue;
    const gross = result.long ? result.exit.minus(result.entry) : result.entry.minus(result.exit);
    if (gross.minus(result.fees).greaterThan(0)) winning += 1;
    else losing += 1;
  }

  const initialCash = dec(inputs.ledger.initialCash);
  const netPnl = dec(inputs.ledger.totals.netPnl);
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  for (const order of orders.values()) {
    count(byStatus, order.status);
    count(byKind, order.intentKind);
  }
  return {
    run: { ...inputs.run, rejectedTicks: sorted(inputs.run.rejectedTicks), events: events.length },
    pnl: {
      initialCash: decString(initialCash),
      equity: inputs.ledger.equity,
      netPnl: inputs.ledger.totals.netPnl,
      realizedPnl: inputs.ledger.totals.realizedPnl,
      unrealizedPnl: inputs.ledger.totals.unrealizedPnl,
      fees: inputs.ledger.totals.fees,
      returnPercent: initialCash.isZero() ? '0' : netPnl.div(initialCash).mul(100).toFixed(4),
    },
    trades: { entries, closed: closedPositions.size, winning, losing, openAtEnd: entries - closedPositions.size, fills, orders: sorted(byStatus), ordersByKind: sorted(byKind) },
    proposals: {
      created: proposals.created,
      approved: { byPerson: proposals.byPerson, byAuto: proposals.byAuto },
      rejected: proposals.rejected,
      expired: proposals.expired,
      converted: proposals.converted,
      pendingAtEnd: proposals.created - proposals.byPerson - proposals.byAuto - proposals.rejected - proposals.expired,
      refused: sorted(inputs.statistics.refused),
      skippedSignals: sorted(inputs.statistics.skipped),
      autoDeclined: inputs.statistics.autoDeclined,
    },
    exits: { ...exits, byRule: sorted(exits.byRule), emergency: { ...exits.emergency, byCause: sorted(exits.emergency.byCause) } },
    breaks: { ...breaks, bySymbol: Object.fromEntries(Object.entries(breaks.bySymbol).sort(([left], [right]) => left.localeCompare(right))) },
  };
}

/** The summary as a person reads it. */
export function renderSummary(summary: SimulationSummary): string {
  const { run, pnl, trades, proposals, exits, breaks } = summary;
  const list = (counts: Record<string, number>) => (Object.keys(counts).length ? Object.entries(counts).map(([key, value]) => `${key} ${value}`).join(', ') : 'none');
  return [
    `simulation of ${run.feed} (${run.symbols.join(', ')}; ${run.from ?? '-'} → ${run.to ?? '-'}; ${run.bars} bars, ${run.quotes} quotes${run.derivedQuotes ? ' derived from the bars' : ''})`,
    `  strategies ${run.strategies.map((strategy) => `${strategy.name}@${strategy.version}`).join(', ')}, seed ${run.seed}, ${run.auto ? 'auto-mode on' : 'no approvals (proposals expire unanswered)'}`,
    `P&L        net ${pnl.netPnl} (${pnl.returnPercent} %): realized ${pnl.realizedPnl}, unrealized ${pnl.unrealizedPnl}, fees ${pnl.fees}; equity ${pnl.equity} from ${pnl.initialCash}`,
    `trades     ${trades.entries} entries, ${trades.closed} closed (${trades.winning} winning, ${trades.losing} losing), ${trades.openAtEnd} open at the end; ${trades.fills} fills; orders: ${list(trades.orders)}`,
    `proposals  ${proposals.created} created: ${proposals.approved.byPerson} approved by a person, ${proposals.approved.byAuto} by auto, ${proposals.rejected} rejected, ${proposals.expired} expired, ${proposals.pendingAtEnd} pending; refused: ${list(proposals.refused)}; auto-mode declined ${proposals.autoDeclined}`,
    `exits      ${exits.requested} requested by rule (${list(exits.byRule)}), ${exits.completed} completed, ${exits.abandoned} abandoned; emergency exits ${exits.emergency.total} (${exits.emergency.duringMarketHours} during market hours; ${list(exits.emergency.byCause)})`,
    `breaks     ${breaks.suspected} suspected, ${breaks.confirmed} confirmed, ${breaks.dismissed} dismissed`,
  ].join('\n');
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([left], [right]) => left.localeCompare(right)));
}
