/**
 * A decider (Emmett / Jérémie Chassaing): the whole behaviour of an aggregate as three pure pieces.
 * `decide` answers a command with events (or throws a DomainError), `evolve` folds an event into
 * state, `initialState` is the state of a stream with no events.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state from the beginning. */
export function fold<Event, State>(decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>, events: readonly Event[]): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
