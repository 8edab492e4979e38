import type { Decider } from '@tollgate/kernel';
import type { OrderEvent } from '@tollgate/contracts';
import type { OrderCommand } from './order.commands';
import { decideOrder } from './order.decide';
import { evolveOrder, initialOrderState, type OrderState } from './order.state';

/** The order aggregate as one value, for the handler that loads → decides → appends. */
export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide: decideOrder,
  evolve: evolveOrder,
  initialState: () => initialOrderState,
};
