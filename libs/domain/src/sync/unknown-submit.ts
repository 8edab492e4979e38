import type { BrokerOrder } from '@tollgate/contracts';
import { nextRetry, type RetryPolicy } from './retry';
import type { Observed } from './sync.types';

export interface UnknownSubmit {
  clientOrderId: string;
  /** When the submit was sent (or last possibly sent). */
  sentAt: string;
  /** Lookups already made for it. */
  lookups: number;
}

export type UnknownSubmitResolution =
  /** The broker has it: take its state; never send it again. */
  | { outcome: 'accepted'; order: BrokerOrder }
  /**
   * The broker answered that it has no such order, long enough after the send. Sending again with the
   * SAME client order id is safe: the venue refuses a second order with that id.
   */
  | { outcome: 'not_received'; action: 'resend_same_client_order_id' }
  | { outcome: 'still_unknown'; action: 'look_up_again'; delayMs: number }
  /** Lookups kept failing: record SyncFailed, keep the order UNKNOWN (it counts as working for exposure). */
  | { outcome: 'gave_up'; reason: string };

export interface ResolveUnknownSubmitInput {
  submit: UnknownSubmit;
  /** The lookup by client order id: null when the broker answered it has no such order. */
  lookup: Observed<BrokerOrder | null>;
  now: string;
  /** How long after a send a broker may still not show the order. */
  visibilityGraceMs: number;
  retry: RetryPolicy;
  /** In [0, 1), for the retry jitter. */
  sample: number;
}

/** A time-out is UNKNOWN: resolved by looking the client order id up, never by assuming failure (failure mode 7). */
export function resolveUnknownSubmit(input: ResolveUnknownSubmitInput): UnknownSubmitResolution {
  const lookupsMade = input.submit.lookups + 1;
  if (input.lookup.known && input.lookup.value !== null) return { outcome: 'accepted', order: input.lookup.value };
  if (input.lookup.known) {
    const waited = Date.parse(input.now) - Date.parse(input.submit.sentAt);
    if (waited >= input.visibilityGraceMs) return { outcome: 'not_received', action: 'resend_same_client_order_id' };
    return { outcome: 'still_unknown', action: 'look_up_again', delayMs: Math.max(1, input.visibilityGraceMs - waited) };
  }
  const decision = nextRetry(input.retry, lookupsMade, input.sample);
  if (!decision.retry) return { outcome: 'gave_up', reason: `lookup of ${input.submit.clientOrderId} failed ${lookupsMade} times: ${input.lookup.reason}` };
  return { outcome: 'still_unknown', action: 'look_up_again', delayMs: decision.delayMs };
}
