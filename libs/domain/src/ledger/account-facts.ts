import type { BrokerFillAdoptedData, CashAdjustedData, OrderFilledData, PositionAdjustedData } from '@tollgate/contracts';
import { dec, type Decimal } from '@tollgate/kernel';
import { ledgerFillOf, type LedgerFill } from './ledger';

/**
 * Where an account's cash comes from. At the simulated exchange (SIMULATED mode) the venue's own opening,
 * `SimulatedAccountOpened`, is the cash baseline. At a broker (SANDBOX_PAPER, LIVE) that event describes
 * another venue and means nothing; the broker's cash enters only through reconciliation, as an explicit
 * `CashAdjusted` (the first one is the opening balance).
 */
export type AccountVenue = 'simulated' | 'broker';

export function venueOfMode(mode: 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE'): AccountVenue {
  return mode === 'SIMULATED' ? 'simulated' : 'broker';
}

export interface AccountScope {
  accountId: string;
  venue: AccountVenue;
}

/**
 * A stored fact that moves an account's cash or positions, whichever event carries it. Every reader of
 * cash and positions (ledger, risk, breakers, proposals, reconciliation) reads them through
 * `accountFactOf`, so they agree on what counts. Fills are deduplicated by `fill.fillId` by the reader:
 * the same fill may arrive as `OrderFilled` (execution) and as `BrokerFillAdopted` (sync).
 */
export type AccountFact =
  | { kind: 'fill'; fill: LedgerFill & { fillId: string } }
  | { kind: 'opening-cash'; amount: Decimal; currency: string }
  | { kind: 'cash-adjusted'; delta: Decimal; currency: string }
  /**
   * The broker's position taken as truth. `quantityDelta` (after − before, as of the reconciliation that
   * found it) is what is applied, so fills recorded after that reconciliation's snapshot still count.
   */
  | { kind: 'position-adjusted'; symbol: string; quantityDelta: Decimal; averagePrice: Decimal; at: string };

/** The account fact an event states for this account, or undefined when it states none. */
export function accountFactOf(event: { type: string; data: unknown }, account: AccountScope): AccountFact | undefined {
  switch (event.type) {
    case 'OrderFilled':
      // Order events carry no account: a service holds one account's orders.
      return { kind: 'fill', fill: ledgerFillOf(event.data as OrderFilledData) };
    case 'BrokerFillAdopted': {
      const data = event.data as BrokerFillAdoptedData;
      if (data.accountId !== account.accountId) return undefined;
      return { kind: 'fill', fill: ledgerFillOf(data) };
    }
    case 'SimulatedAccountOpened': {
      const data = event.data as { accountId: string; currency: string; initialCash: string };
      if (account.venue !== 'simulated' || data.accountId !== account.accountId) return undefined;
      return { kind: 'opening-cash', amount: dec(data.initialCash, 'initialCash'), currency: data.currency };
    }
    case 'CashAdjusted': {
      const data = event.data as CashAdjustedData;
      if (data.accountId !== account.accountId) return undefined;
      return { kind: 'cash-adjusted', delta: dec(data.cashAfter, 'cashAfter').minus(dec(data.cashBefore, 'cashBefore')), currency: data.currency };
    }
    case 'PositionAdjusted': {
      const data = event.data as PositionAdjustedData;
      if (data.accountId !== account.accountId) return undefined;
      return {
        kind: 'position-adjusted',
        symbol: data.symbol,
        quantityDelta: dec(data.quantityAfter, 'quantityAfter').minus(dec(data.quantityBefore, 'quantityBefore')),
        averagePrice: dec(data.averagePriceAfter, 'averagePriceAfter'),
        at: data.adjustedAt,
      };
    }
    default:
      return undefined;
  }
}

/** The event types that can state an account fact: a reader may filter on them before decoding. */
export const ACCOUNT_FACT_EVENT_TYPES = ['OrderFilled', 'BrokerFillAdopted', 'SimulatedAccountOpened', 'CashAdjusted', 'PositionAdjusted'] as const;
