import { EventRegistry, type EventDefinition } from '../event-registry';
import { operatorEvents } from './operator.events';
import { marketDataEvents } from './market-data.events';
import { orderEvents } from './order.events';
import { simulatedExchangeEvents } from './simulated-exchange.events';
import { proposalEvents } from './proposal.events';
import { regimeEvents } from './regime.events';
import { riskEvents } from './risk.events';
import { syncEvents } from './sync.events';

export * from './operator.events';
export * from './market-data.events';
export * from './order.events';
export * from './simulated-exchange.events';
export * from './proposal.events';
export * from './regime.events';
export * from './risk.events';
export * from './sync.events';

export const allEventDefinitions: readonly EventDefinition[] = [
  ...operatorEvents,
  ...marketDataEvents,
  ...orderEvents,
  ...simulatedExchangeEvents,
  ...proposalEvents,
  ...regimeEvents,
  ...riskEvents,
  ...syncEvents,
];

/** The registry of every event Tollgate writes; the store refuses anything not in it. */
export function createEventRegistry(): EventRegistry {
  return new EventRegistry(allEventDefinitions);
}
