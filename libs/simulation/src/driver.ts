import { subjects, type BarMessage, type QuoteMessage } from '@tollgate/contracts';
import { barToMessage, quoteToMessage, type MarketEvent } from '@tollgate/domain/market-data';
import type { Bus } from '@tollgate/messaging';

/**
 * How a simulation steps the market through the system, one event at a time:
 *
 *   quote → published on the bus (exchange, execution, risk, ledger)  → settle
 *         → the deciding services' quote handlers, in order             → settle
 *   bar   → recorded (BarRecorded), published on the bus                → settle
 *         → the deciding services' bar handlers, in order (regime first, so a suspicion raised on
 *           this bar already blocks the strategies' proposals on it)    → settle
 *
 * The venue matches first and the books follow, then the services that decide see the event. Each
 * `settle` waits for every consequence (fills stored and folded, exits completed, orders placed), so
 * the next event always meets the same state: that is what makes two runs decide the same.
 */
export interface SimulationStepper {
  bus: Bus;
  recordBar(bar: BarMessage): Promise<void>;
  quoteHandlers: ReadonlyArray<(quote: QuoteMessage) => Promise<void>>;
  barHandlers: ReadonlyArray<(bar: BarMessage) => Promise<void>>;
  settle(): Promise<void>;
}

export interface StepProgress {
  done: number;
  total: number;
  /** Market time of the event just handled. */
  at: string;
}

export async function stepThrough(events: readonly MarketEvent[], stepper: SimulationStepper, onProgress?: (progress: StepProgress) => void): Promise<void> {
  for (const [index, event] of events.entries()) {
    if (event.kind === 'quote') {
      const quote = quoteToMessage(event.quote);
      stepper.bus.publish(subjects.quote(quote.symbol), quote);
      await stepper.settle();
      for (const handle of stepper.quoteHandlers) await handle(quote);
      await stepper.settle();
      onProgress?.({ done: index + 1, total: events.length, at: quote.timestamp });
    } else {
      const bar = barToMessage(event.bar);
      await stepper.recordBar(bar);
      stepper.bus.publish(subjects.bar(bar.symbol), bar);
      await stepper.settle();
      for (const handle of stepper.barHandlers) {
        await handle(bar);
        await stepper.settle();
      }
      onProgress?.({ done: index + 1, total: events.length, at: bar.timestamp });
    }
  }
}
