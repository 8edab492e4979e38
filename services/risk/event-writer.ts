import { handleCommand, type AggregateDecider, type DomainEvent, type HandledCommand } from '@tollgate/application';
import type { EventInput } from '@tollgate/contracts';
import type { EventStore } from '@tollgate/event-store';
import { deterministicId, newId } from '@tollgate/kernel';
import { traceMetadata } from '@tollgate/telemetry';

/**
 * Load → decide → append for the risk aggregates, with the actor and correlation on every event.
 * `commandId` makes a retried command write nothing new (event ids derive from it).
 */
export class RiskEventWriter {
  constructor(private readonly store: EventStore) {}

  run<Command, Event extends DomainEvent, State>(input: {
    streamId: string;
    decider: AggregateDecider<Command, Event, State>;
    command: Command;
    actor: string;
    commandId?: string;
    correlationId?: string;
    at: Date;
  }): Promise<HandledCommand<Event, State>> {
    const commandId = input.commandId ?? newId();
    return handleCommand({
      store: this.store,
      streamId: input.streamId,
      decider: input.decider,
      command: input.command,
      commandId,
      metadata: { correlationId: input.correlationId ?? commandId, actor: input.actor, ...traceMetadata() },
      occurredAt: input.at,
    });
  }

  /** Appends events decided elsewhere (a neighbouring aggregate's share of a decision). */
  async append(streamId: string, expectedVersion: number | 'any' | 'no-stream', events: readonly DomainEvent[], context: { actor: string; commandId: string; correlationId?: string; at: Date }): Promise<void> {
    if (events.length === 0) return;
    const inputs: EventInput[] = events.map((event, index) => ({
      id: deterministicId('event', streamId, context.commandId, index),
      type: event.type,
      data: event.data,
      metadata: { correlationId: context.correlationId ?? context.commandId, causationId: null, actor: context.actor, ...traceMetadata() },
      occurredAt: context.at.toISOString(),
    }));
    await this.store.append(streamId, expectedVersion === 0 ? 'no-stream' : expectedVersion, inputs);
  }
}

/** A decider that folds only the events it knows from a stream it shares with another aggregate. */
export function onlyEvents<Command, Event extends DomainEvent, State>(decider: AggregateDecider<Command, Event, State>, types: readonly string[]): AggregateDecider<Command, Event, State> {
  const known = new Set(types);
  return { ...decider, evolve: (state, event) => (known.has(event.type) ? decider.evolve(state, event) : state) };
}
