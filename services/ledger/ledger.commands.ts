import { z } from 'zod';
import { commandSubjects, subjects } from '@tollgate/contracts';
import type { LedgerReport } from '@tollgate/domain/ledger';

/** The ledger's queries (`commandSubjects.ledger`) and its change notices (`subjects.ledgerUpdates`). */
export const ledgerSubjects = commandSubjects.ledger;
export const ledgerUpdatesSubject = subjects.ledgerUpdates;

export const positionsRequest = z
  .object({
    /** Only this symbol. */
    symbol: z.string().min(1).optional(),
  })
  .strict();

export const equityCurveRequest = z
  .object({
    /** The newest points, at most this many. */
    limit: z.number().int().positive().max(100_000).default(1_000),
  })
  .strict();

/** `tollgate ledger --json`'s shape, plus the account and where in the log it stands. Every number a decimal string. */
export interface PositionsResponse extends LedgerReport {
  account: { initialCash: string; cash: string; equity: string };
  /** Symbols with an open position but no mark: their unrealized P&L shows as 0. */
  unmarked: string[];
  /** The store position the ledger has applied up to, and how many fills it holds. */
  checkpoint: number;
  fills: number;
}

export interface EquityPointView {
  at: string;
  equity: string;
  cash: string;
  realizedPnl: string;
  unrealizedPnl: string;
  fees: string;
  highWaterMark: string;
  drawdown: string;
}

/** Published after each fill the ledger applies live: enough to react without a query. */
export interface LedgerUpdate {
  fillId: string;
  orderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
  /** The position after the fill, signed. */
  position: string;
  checkpoint: number;
}
