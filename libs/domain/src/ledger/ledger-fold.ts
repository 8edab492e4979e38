import { accountFactOf, type AccountFact, type AccountScope } from './account-facts';
import { applyCashMovement, applyFill, applyPositionAdjustment, emptyLedger, type LedgerFill, type LedgerState } from './ledger';

/** A ledger being folded from the store: its state and the fill ids it has taken (each fill counts once). */
export interface LedgerFold {
  state: LedgerState;
  fillIds: Set<string>;
}

export function emptyLedgerFold(): LedgerFold {
  return { state: emptyLedger(), fillIds: new Set<string>() };
}

/**
 * One account fact folded into the ledger: a fill once per fill id (whichever event carried it), an
 * opening balance or a cash adjustment as capital, a position adjustment as the broker's truth.
 * Returns the fill when one was taken, so a live projection can announce it.
 */
export function foldAccountFact(ledger: LedgerFold, fact: AccountFact): LedgerFill | undefined {
  switch (fact.kind) {
    case 'fill':
      if (ledger.fillIds.has(fact.fill.fillId)) return undefined;
      ledger.state = applyFill(ledger.state, fact.fill);
      ledger.fillIds.add(fact.fill.fillId);
      return fact.fill;
    case 'opening-cash':
      ledger.state = applyCashMovement(ledger.state, fact.amount);
      return undefined;
    case 'cash-adjusted':
      ledger.state = applyCashMovement(ledger.state, fact.delta);
      return undefined;
    case 'position-adjusted':
      ledger.state = applyPositionAdjustment(ledger.state, fact);
      return undefined;
  }
}

/**
 * One stored event folded into the ledger (see `foldAccountFact`); events that state no fact of this
 * account change nothing. The live projection and a replay use this same function, which is what
 * makes them equal.
 */
export function foldLedgerEvent(ledger: LedgerFold, event: { type: string; data: unknown }, account: AccountScope): LedgerFill | undefined {
  const fact = accountFactOf(event, account);
  return fact ? foldAccountFact(ledger, fact) : undefined;
}

/** The ledger a replay of these events from an empty ledger gives. */
export function replayLedger(events: Iterable<{ type: string; data: unknown }>, account: AccountScope): LedgerState {
  const ledger = emptyLedgerFold();
  for (const event of events) foldLedgerEvent(ledger, event, account);
  return ledger.state;
}
