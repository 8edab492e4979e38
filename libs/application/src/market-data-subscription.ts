import type { z } from 'zod';
import { barMessage, describeIssues, quoteMessage, subjects, type BarMessage, type QuoteMessage } from '@tollgate/contracts';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import type { Logger } from '@tollgate/telemetry';

export interface MarketDataListener {
  onQuote?(quote: QuoteMessage): void;
  onBar?(bar: BarMessage): void;
}

/**
 * Subscribes a service to the market-data subjects, checking every message against its schema first.
 * A direct bus subscription rather than a Nest `@EventPattern`: Nest's per-message RPC pipeline (context,
 * pipes, interceptors, observables) costs several times what the bus itself does, and quotes arrive by
 * the hundred thousand. A bad message, or a listener that throws, is logged and skipped.
 */
export async function subscribeMarketData(bus: Bus, listener: MarketDataListener, logger: Logger): Promise<BusSubscription[]> {
  const subscriptions: BusSubscription[] = [];
  const guarded = <T>(kind: string, schema: z.ZodType<T>, handle: (value: T) => void) =>
    (payload: unknown, message: { subject: string }) => {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        logger.warn({ subject: message.subject, issues: describeIssues(parsed.error) }, `a ${kind} on ${message.subject} was malformed and skipped`);
        return;
      }
      try {
        handle(parsed.data);
      } catch (error) {
        logger.error({ err: error, subject: message.subject }, `handling a ${kind} on ${message.subject} failed`);
      }
    };
  if (listener.onQuote) subscriptions.push(await bus.subscribe(subjects.allQuotes, guarded('quote', quoteMessage, (quote: QuoteMessage) => listener.onQuote!(quote))));
  if (listener.onBar) subscriptions.push(await bus.subscribe(subjects.allBars, guarded('bar', barMessage, (bar: BarMessage) => listener.onBar!(bar))));
  return subscriptions;
}
