import { BaseRpcContext } from '@nestjs/microservices';
import type { EventDelivery } from '@tollgate/messaging';

type BusContextArgs = [subject: string, headers: Readonly<Record<string, string>>, delivery: EventDelivery | undefined];

/** What `@Ctx()` gives a handler served by the BusTransport. */
export class BusContext extends BaseRpcContext<BusContextArgs> {
  getSubject(): string {
    return this.args[0];
  }

  getHeaders(): Readonly<Record<string, string>> {
    return this.args[1];
  }

  /** For domain-event handlers: the delivery attempt and subject. */
  getDelivery(): EventDelivery | undefined {
    return this.args[2];
  }
}
