import type { OrderEvent } from '@tollgate/contracts';
import type { OrderCommand } from './order.commands';
import { decide } from './order.decide';
import { evolve, initialState, type OrderState } from './order.state';

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
}

/** The order aggregate as one value, for the handler that loads → decides → appends. */
export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = { decide, evolve, initialState };
