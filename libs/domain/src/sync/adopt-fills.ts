import type { BrokerFill, BrokerFillAdoptedData } from '@tollgate/contracts';
import { deterministicId } from '@tollgate/kernel';
import type { ProducedEvent } from './sync.types';

export type BrokerFillAdoptedEvent = ProducedEvent<'BrokerFillAdopted', BrokerFillAdoptedData>;

/** The one id a broker fill ever gets in our log, whoever adopts it and however often. */
export function brokerFillEventId(accountId: string, broker: string, fillId: string): string {
  return deterministicId('BrokerFillAdopted', broker, accountId, fillId);
}

/**
 * A broker fill as an adoption event. Everything in it comes from the fill (no run id, no local
 * clock), so adopting the same fill again produces a byte-identical event the store dedupes.
 */
export function brokerFillAdoptedEvent(accountId: string, broker: string, fill: BrokerFill): BrokerFillAdoptedEvent {
  return {
    id: brokerFillEventId(accountId, broker, fill.fillId),
    type: 'BrokerFillAdopted',
    occurredAt: fill.filledAt,
    data: {
      accountId,
      broker,
      fillId: fill.fillId,
      brokerOrderId: fill.brokerOrderId,
      clientOrderId: fill.clientOrderId,
      symbol: fill.symbol,
      side: fill.side,
      quantity: fill.quantity,
      price: fill.price,
      fee: fill.fee,
      filledAt: fill.filledAt,
    },
  };
}

export interface FillAdoptionInput {
  accountId: string;
  broker: string;
  /** Fills the broker reported since the cursor, oldest first. */
  fills: readonly BrokerFill[];
  /** Whether Tollgate sent the order with this client order id. */
  isOurClientOrderId: (clientOrderId: string) => boolean;
  /** Whether our ledger already holds this broker fill (e.g. it arrived on the stream). */
  isRecorded: (fillId: string) => boolean;
}

export interface FillAdoption {
  /** Fills of our orders that the ledger lacked, in broker order, each once. */
  adopted: BrokerFillAdoptedEvent[];
  /** Fills of orders placed outside Tollgate: reported to reconciliation, never adopted. */
  foreign: BrokerFill[];
  /** Fills the ledger already had, or that appeared twice in the input. */
  alreadyRecorded: number;
}

/** Turns broker fills since the cursor into adoption events: ours and new are adopted, foreign ones set aside. */
export function adoptFills(input: FillAdoptionInput): FillAdoption {
  const adopted: BrokerFillAdoptedEvent[] = [];
  const foreign: BrokerFill[] = [];
  const seen = new Set<string>();
  let alreadyRecorded = 0;
  for (const fill of input.fills) {
    if (seen.has(fill.fillId) || input.isRecorded(fill.fillId)) {
      alreadyRecorded += 1;
      continue;
    }
    seen.add(fill.fillId);
    if (!input.isOurClientOrderId(fill.clientOrderId)) {
      foreign.push(fill);
      continue;
    }
    adopted.push(brokerFillAdoptedEvent(input.accountId, input.broker, fill));
  }
  return { adopted, foreign, alreadyRecorded };
}
