import { deterministicId } from '@tollgate/kernel';
import { ORDER_STREAM_CATEGORY, streamName } from '@tollgate/contracts';

/**
 * Ids derived from the intent, so a retry, a restart or a replay produces the same ids: the broker's
 * client order id uniqueness then turns a duplicate send into a harmless refusal.
 */
export function orderIdFor(intentId: string, attempt = 1): string {
  return deterministicId('tollgate.order', intentId, attempt);
}

export function clientOrderIdFor(intentId: string, attempt = 1): string {
  return deterministicId('tollgate.client-order', intentId, attempt);
}

/** The client order id of the n-th replace (1-based) of an order. */
export function replacementClientOrderIdFor(orderId: string, replaceNumber: number): string {
  return deterministicId('tollgate.client-order.replace', orderId, replaceNumber);
}

export function orderStreamId(orderId: string): string {
  return streamName(ORDER_STREAM_CATEGORY, orderId);
}
