import type { EventInput, EventMetadata, RecordedEvent } from '@tollgate/contracts';
import { deterministicId } from '@tollgate/kernel';
import { DuplicateEventIdError, WrongExpectedVersionError, type EventStore } from '@tollgate/event-store';

/** An event as a decider produces it: a type and its data. The handler adds the envelope. */
export interface DomainEvent {
  type: string;
  data: unknown;
}

export interface AggregateDecider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State | (() => State);
}

export interface HandleCommandInput<Command, Event extends DomainEvent, State> {
  store: EventStore;
  streamId: string;
  decider: AggregateDecider<Command, Event, State>;
  command: Command;
  /**
   * Identifies this command. Event ids derive from it, so a retry of the same command after a crash
   * writes nothing new: the store recognises the ids.
   */
  commandId: string;
  metadata: Omit<EventMetadata, 'causationId'> & { causationId?: string | null };
  occurredAt: Date;
  /**
   * The state and version the caller already holds (a cache of a stream it is the only writer of):
   * the first attempt decides on it without reading the stream; a version conflict falls back to reading.
   */
  known?: { state: State; version: number };
}

export interface HandledCommand<Event, State> {
  events: Event[];
  state: State;
  /** The stream version after the command (0 for a stream that still does not exist). */
  version: number;
}

function initial<State>(decider: AggregateDecider<unknown, DomainEvent, State>): State {
  return typeof decider.initialState === 'function' ? (decider.initialState as () => State)() : decider.initialState;
}

export async function loadAggregate<Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: AggregateDecider<unknown, Event, State>,
): Promise<{ state: State; version: number; events: RecordedEvent[] }> {
  const recorded = await store.readStream(streamId);
  let state = initial(decider);
  for (const event of recorded) state = decider.evolve(state, { type: event.type, data: event.data } as Event);
  return { state, version: recorded.at(-1)?.streamVersion ?? 0, events: recorded };
}

/**
 * Load → decide → append, with optimistic concurrency. A concurrent writer makes the append fail
 * with WrongExpectedVersionError; the command is then decided again on the fresh state.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  input: HandleCommandInput<Command, Event, State>,
  attempts = 5,
): Promise<HandledCommand<Event, State>> {
  for (let attempt = 1; ; attempt += 1) {
    const trusted = attempt === 1 ? input.known : undefined;
    const { state, version } = trusted ?? (await loadAggregate(input.store, input.streamId, input.decider as AggregateDecider<unknown, Event, State>));
    let events: Event[];
    try {
      events = input.decider.decide(input.command, state);
    } catch (error) {
      // A refusal decided on a cached state is checked against the stream as stored.
      if (trusted) continue;
      throw error;
    }
    if (events.length === 0) return { events, state, version };
    const inputs: EventInput[] = events.map((event, index) => ({
      id: deterministicId('event', input.streamId, input.commandId, index),
      type: event.type,
      data: event.data,
      metadata: { ...input.metadata, causationId: input.metadata.causationId ?? null },
      occurredAt: input.occurredAt.toISOString(),
    }));
    try {
      await input.store.append(input.streamId, version === 0 ? 'no-stream' : version, inputs);
      const next = events.reduce((current, event) => input.decider.evolve(current, event), state);
      return { events, state: next, version: version + events.length };
    } catch (error) {
      // The same command id already produced different events: it was handled before (a retry
      // after a crash that happened after the append). Deciding it again must not write twice.
      // A caller's cached state may be what is stale: decide once more on the stream as stored.
      if (error instanceof DuplicateEventIdError && !trusted) return { events: [], state, version };
      if (trusted && (error instanceof DuplicateEventIdError || error instanceof WrongExpectedVersionError)) continue;
      if (!(error instanceof WrongExpectedVersionError) || attempt >= attempts) throw error;
    }
  }
}

/** One command of a batch, with the id its events derive from and when it happened. */
export interface CommandStep<Command> {
  command: Command;
  commandId: string;
  occurredAt: Date;
  /** Who and what this step's events are attributed to, when not the batch's (e.g. an operator's intent beside the system's submit). */
  metadata?: Partial<Pick<EventMetadata, 'actor' | 'correlationId'>>;
}

export interface HandledCommands<Event, State> extends HandledCommand<Event, State> {
  /** Steps the decider refused (a DomainError or any throw), by index; the other steps were applied. */
  refused: Array<{ step: number; error: unknown }>;
  /**
   * With `onlyOnKnown`: the stream was not where `known` said (or a step was refused on it), so nothing
   * was appended and `state` / `version` are the caller's `known` ones.
   */
  stale?: true;
}

export interface HandleCommandsInput<Command, Event extends DomainEvent, State> extends Omit<HandleCommandInput<Command, Event, State>, 'command' | 'commandId' | 'occurredAt'> {
  steps: readonly CommandStep<Command>[];
  /**
   * Apply the batch only as decided on `known`, never on the stream re-read after a conflict: for a
   * batch whose later steps rest on work the caller did between deciding and appending (a risk check
   * of the terms it decided), which would not hold for whatever the stream turned out to contain.
   */
  onlyOnKnown?: boolean;
}

/**
 * Several commands on one stream, decided one after the other, appended in one append: what a burst
 * of facts about one aggregate (an acknowledgement and the fills that came with it) costs one commit
 * instead of one each. A step the decider refuses is reported and skipped; event ids derive from each
 * step's command id exactly as `handleCommand` derives them, so handling a step again either way
 * writes nothing twice.
 */
export async function handleCommands<Command, Event extends DomainEvent, State>(
  input: HandleCommandsInput<Command, Event, State>,
  attempts = 5,
): Promise<HandledCommands<Event, State>> {
  const stale = (known: { state: State; version: number }): HandledCommands<Event, State> => ({ events: [], state: known.state, version: known.version, refused: [], stale: true });
  for (let attempt = 1; ; attempt += 1) {
    const trusted = attempt === 1 ? input.known : undefined;
    const { state, version } = trusted ?? (await loadAggregate(input.store, input.streamId, input.decider as AggregateDecider<unknown, Event, State>));
    let next = state;
    const events: Event[] = [];
    const inputs: EventInput[] = [];
    const refused: Array<{ step: number; error: unknown }> = [];
    input.steps.forEach((step, stepIndex) => {
      let decided: Event[];
      try {
        decided = input.decider.decide(step.command, next);
      } catch (error) {
        refused.push({ step: stepIndex, error });
        return;
      }
      decided.forEach((event, index) => {
        inputs.push({
          id: deterministicId('event', input.streamId, step.commandId, index),
          type: event.type,
          data: event.data,
          metadata: { ...input.metadata, ...step.metadata, causationId: input.metadata.causationId ?? null },
          occurredAt: step.occurredAt.toISOString(),
        });
        next = input.decider.evolve(next, event);
      });
      events.push(...decided);
    });
    // Refusals on a cached state are checked against the stream as stored.
    if (trusted && refused.length > 0) {
      if (input.onlyOnKnown) return stale(trusted);
      continue;
    }
    if (events.length === 0) return { events, state, version, refused };
    try {
      await input.store.append(input.streamId, version === 0 ? 'no-stream' : version, inputs);
      return { events, state: next, version: version + events.length, refused };
    } catch (error) {
      if (trusted && (error instanceof DuplicateEventIdError || error instanceof WrongExpectedVersionError)) {
        if (input.onlyOnKnown) return stale(trusted);
        continue;
      }
      // Some step was handled before: decide again on the stored stream, where it changes nothing.
      if (error instanceof DuplicateEventIdError && attempt < attempts) continue;
      if (!(error instanceof WrongExpectedVersionError) || attempt >= attempts) throw error;
    }
  }
}
