import type { Decider } from '@tollgate/kernel';
import type { SimulatedExchangeEvent } from '@tollgate/contracts';
import { decideExchange, type SimulatedExchangeCommand } from './exchange.decide';
import { evolveExchange, initialExchangeState, type SimulatedExchangeState } from './exchange.state';

/** The simulated exchange as one decider: its events rebuild it (see SimulatedBroker for the port). */
export const simulatedExchangeDecider: Decider<SimulatedExchangeCommand, SimulatedExchangeEvent, SimulatedExchangeState> = {
  decide: decideExchange,
  evolve: evolveExchange,
  initialState: () => initialExchangeState,
};
