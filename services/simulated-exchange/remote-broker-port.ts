import type { z } from 'zod';
import {
  BrokerRejectedError,
  BrokerUnavailableError,
  describeIssues,
  type BrokerAccount,
  type BrokerFill,
  type BrokerOrder,
  type BrokerPort,
  type BrokerPosition,
  type BrokerUpdate,
  type OrderRequest,
  type ReplaceRequest,
} from '@tollgate/contracts';
import { RemoteError, type Bus, type BusSubscription } from '@tollgate/messaging';
import {
  BROKER_REJECTED_CODE,
  brokerAccountSchema,
  brokerOrderSchema,
  brokerUpdateSchema,
  fillsSinceResponseSchema,
  getOrderResponseSchema,
  openOrdersResponseSchema,
  positionsResponseSchema,
  SIMULATED_BROKER_NAME,
  simulatedBrokerUpdatesSubject,
  simulatedExchangeSubjects,
} from './simulated-exchange.commands';

export interface RemoteBrokerPortOptions {
  /** How long a request may take before its outcome is UNKNOWN. Default 2,000 ms. */
  timeoutMs?: number;
  /** Called with updates that failed validation (they are dropped). */
  onInvalidUpdate?: (issues: string[], payload: unknown) => void;
}

/**
 * The BrokerPort of a broker that lives in another service, over the bus: today the simulated
 * exchange (services/simulated-exchange). Execution talks to the exchange through it in every
 * topology (in one process the bus is in-process), so the path an order takes is the same.
 *
 * What comes back is input: every answer is checked. A time-out, a missing responder or a failure
 * on the far side means the outcome is UNKNOWN (BrokerUnavailableError); only the venue's own
 * refusal is a BrokerRejectedError.
 */
export class RemoteBrokerPort implements BrokerPort {
  readonly name = SIMULATED_BROKER_NAME;
  private readonly listeners = new Set<(update: BrokerUpdate) => void>();
  private subscription: BusSubscription | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly bus: Bus,
    private readonly options: RemoteBrokerPortOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** Subscribes to the broker's updates; resolves once the subscription is in place. */
  async connect(): Promise<void> {
    if (this.subscription) return;
    this.subscription = await this.bus.subscribe(simulatedBrokerUpdatesSubject, (payload) => this.dispatch(payload));
  }

  submit(order: OrderRequest): Promise<BrokerOrder> {
    return this.call('submit', simulatedExchangeSubjects.submit, order, brokerOrderSchema);
  }

  async cancel(clientOrderId: string): Promise<void> {
    await this.call('cancel', simulatedExchangeSubjects.cancel, { clientOrderId }, undefined);
  }

  replace(clientOrderId: string, changes: ReplaceRequest): Promise<BrokerOrder> {
    return this.call('replace', simulatedExchangeSubjects.replace, { clientOrderId, changes }, brokerOrderSchema);
  }

  getOrder(clientOrderId: string): Promise<BrokerOrder | null> {
    return this.call('getOrder', simulatedExchangeSubjects.getOrder, { clientOrderId }, getOrderResponseSchema);
  }

  openOrders(): Promise<BrokerOrder[]> {
    return this.call('openOrders', simulatedExchangeSubjects.openOrders, {}, openOrdersResponseSchema);
  }

  positions(): Promise<BrokerPosition[]> {
    return this.call('positions', simulatedExchangeSubjects.positions, {}, positionsResponseSchema);
  }

  fillsSince(cursor: string | null): Promise<{ fills: BrokerFill[]; cursor: string | null }> {
    return this.call('fillsSince', simulatedExchangeSubjects.fillsSince, { cursor }, fillsSinceResponseSchema);
  }

  account(): Promise<BrokerAccount> {
    return this.call('account', simulatedExchangeSubjects.account, {}, brokerAccountSchema);
  }

  onUpdate(listener: (update: BrokerUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  private dispatch(payload: unknown): void {
    const parsed = brokerUpdateSchema.safeParse(payload);
    if (!parsed.success) {
      this.options.onInvalidUpdate?.(describeIssues(parsed.error), payload);
      return;
    }
    for (const listener of [...this.listeners]) listener(parsed.data as BrokerUpdate);
  }

  private async call<T>(operation: string, subject: string, payload: unknown, schema: z.ZodType<T> | undefined): Promise<T> {
    let reply: unknown;
    try {
      reply = await this.bus.request(subject, payload, { timeoutMs: this.timeoutMs });
    } catch (error) {
      throw this.translate(operation, error);
    }
    if (!schema) return undefined as T;
    const parsed = schema.safeParse(reply);
    // A garbled answer tells us nothing about what the venue did.
    if (!parsed.success) throw new BrokerUnavailableError(this.name, operation, `the answer was malformed: ${describeIssues(parsed.error).join('; ')}`);
    return parsed.data;
  }

  private translate(operation: string, error: unknown): Error {
    if (error instanceof RemoteError) {
      const remote = error.remote;
      if (remote.code === BROKER_REJECTED_CODE || remote.name === 'BrokerRejectedError') {
        const reason = (remote.details as { reason?: unknown } | undefined)?.reason;
        return new BrokerRejectedError(this.name, operation, typeof reason === 'string' ? reason : remote.message);
      }
      // The exchange refused the request's form before looking at it: it holds nothing of it.
      if (remote.name === 'ValidationError') return new BrokerRejectedError(this.name, operation, remote.message);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new BrokerUnavailableError(this.name, operation, message, { cause: error });
  }
}
