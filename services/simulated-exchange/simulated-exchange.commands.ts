import { z } from 'zod';
import { commandSubjects, decimalString, isoTimestamp, orderSide, orderType, positiveDecimalString, subjects, timeInForce } from '@tollgate/contracts';

/**
 * The simulated exchange's BrokerPort over request/reply: one subject per port operation
 * (`commandSubjects.simulatedExchange`), its updates on `subjects.brokerUpdates('simulated')`.
 * Requests are checked here on the server; answers are checked by RemoteBrokerPort on the client,
 * since a broker's answer is input too.
 */
export const SIMULATED_BROKER_NAME = 'simulated';
export const simulatedExchangeSubjects = commandSubjects.simulatedExchange;
export const simulatedBrokerUpdatesSubject = subjects.brokerUpdates(SIMULATED_BROKER_NAME);

const clientOrderId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

export const orderRequestSchema = z
  .object({
    clientOrderId,
    symbol: z.string().min(1, 'must not be empty'),
    side: orderSide,
    type: orderType,
    quantity: positiveDecimalString,
    limitPrice: positiveDecimalString.optional(),
    stopPrice: positiveDecimalString.optional(),
    timeInForce,
  })
  .strict();

export const cancelRequestSchema = z.object({ clientOrderId }).strict();

export const replaceRequestSchema = z
  .object({
    clientOrderId,
    changes: z
      .object({
        newClientOrderId: clientOrderId,
        quantity: positiveDecimalString.optional(),
        limitPrice: positiveDecimalString.optional(),
        stopPrice: positiveDecimalString.optional(),
      })
      .strict(),
  })
  .strict();

export const getOrderRequestSchema = z.object({ clientOrderId }).strict();
export const fillsSinceRequestSchema = z.object({ cursor: z.string().nullable() }).strict();
export const emptyRequestSchema = z.object({}).strict();

const brokerOrderStatus = z.enum(['new', 'accepted', 'partially_filled', 'filled', 'canceled', 'expired', 'rejected', 'pending_cancel', 'pending_replace', 'replaced']);

export const brokerOrderSchema = z.object({
  brokerOrderId: z.string().min(1),
  clientOrderId,
  symbol: z.string().min(1),
  side: orderSide,
  type: orderType,
  timeInForce,
  quantity: decimalString,
  filledQuantity: decimalString,
  averageFillPrice: decimalString.nullable(),
  limitPrice: decimalString.nullable(),
  stopPrice: decimalString.nullable(),
  status: brokerOrderStatus,
  submittedAt: isoTimestamp,
  updatedAt: isoTimestamp,
  rejectReason: z.string().optional(),
});

export const brokerFillSchema = z.object({
  fillId: z.string().min(1),
  brokerOrderId: z.string().min(1),
  clientOrderId,
  symbol: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  quantity: positiveDecimalString,
  price: positiveDecimalString,
  fee: decimalString,
  filledAt: isoTimestamp,
});

export const brokerPositionSchema = z.object({ symbol: z.string().min(1), quantity: decimalString, averagePrice: decimalString });
export const brokerAccountSchema = z.object({
  accountId: z.string().min(1),
  currency: z.string().min(1),
  cash: decimalString,
  equity: decimalString,
  buyingPower: decimalString,
});

export const getOrderResponseSchema = brokerOrderSchema.nullable();
export const openOrdersResponseSchema = z.array(brokerOrderSchema);
export const positionsResponseSchema = z.array(brokerPositionSchema);
export const fillsSinceResponseSchema = z.object({ fills: z.array(brokerFillSchema), cursor: z.string().nullable() });

export const brokerUpdateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('accepted'), order: brokerOrderSchema }),
  z.object({ kind: z.literal('fill'), order: brokerOrderSchema, fill: brokerFillSchema }),
  z.object({ kind: z.literal('canceled'), order: brokerOrderSchema }),
  z.object({ kind: z.literal('expired'), order: brokerOrderSchema }),
  z.object({ kind: z.literal('rejected'), order: brokerOrderSchema, reason: z.string() }),
  z.object({ kind: z.literal('replaced'), order: brokerOrderSchema, replacedBy: brokerOrderSchema }),
  z.object({ kind: z.literal('disconnected'), reason: z.string() }),
  z.object({ kind: z.literal('reconnected') }),
]);

/** How a venue refusal crosses the wire, so the client can tell it from an unknown outcome. */
export const BROKER_REJECTED_CODE = 'BROKER_REJECTED';
