/**
 * What a broker query returned. A query that failed is UNKNOWN, never an empty list or a zero:
 * every consumer has to handle `known: false` explicitly (fail closed).
 */
export type Observed<T> = { known: true; value: T } | { known: false; reason: string };

export const observed = <T>(value: T): Observed<T> => ({ known: true, value });
export const unknown = <T = never>(reason: string): Observed<T> => ({ known: false, reason });

/**
 * An event as a pure function produces it: its id (derived from the fact it stands for), its type,
 * its data and when it happened. The service adds metadata and appends it.
 */
export interface ProducedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  occurredAt: string;
}
