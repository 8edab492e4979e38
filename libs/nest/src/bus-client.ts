import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { subjects } from '@tollgate/contracts';
import type { Bus, RequestOptions } from '@tollgate/messaging';

/**
 * A Nest ClientProxy over the Tollgate Bus: `client.send(subject, payload)` is a bus request (timeout,
 * RequestTimeoutError / NoResponderError / RemoteError naming the service and subject, trace context in
 * the headers); `client.emit(subject, payload)` is a core publish. Domain events are not emitted: they are
 * appended to the event store and the relay publishes them.
 */
export class BusClient extends ClientProxy {
  constructor(
    private readonly bus: Bus,
    private readonly defaults: RequestOptions = {},
  ) {
    super();
  }

  async connect(): Promise<Bus> {
    return this.bus;
  }

  async close(): Promise<void> {
    // The bus belongs to the application, which closes it on shutdown.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  /** The promise form of `send`, with a per-call timeout. */
  request<Res = unknown, Req = unknown>(subject: string, payload: Req, options: RequestOptions = {}): Promise<Res> {
    return this.bus.request<Res, Req>(subject, payload, { ...this.defaults, ...options });
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const subject = this.normalizePattern(packet.pattern);
    this.bus.request(subject, packet.data, this.defaults).then(
      (response) => callback({ response: response ?? null, isDisposed: true }),
      (error: unknown) => callback({ err: error, isDisposed: true }),
    );
    // A request cannot be withdrawn once sent; unsubscribing just ignores the reply.
    return () => {};
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const subject = this.normalizePattern(packet.pattern);
    if (subject.startsWith(subjects.allEvents.slice(0, -1))) {
      throw new Error(`cannot emit ${subject}: domain events are appended to the event store, and the relay publishes them`);
    }
    this.bus.publish(subject, packet.data);
    return undefined as T;
  }
}
