import { Module, type DynamicModule, type ForwardReference, type INestMicroservice, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createEventStore, type CreateEventStoreOptions, type EventStore } from '@tollgate/event-store';
import { createBus, type Bus, type CheckpointStore, type RequestOptions } from '@tollgate/messaging';
import { startTelemetry, type TelemetryOptions } from '@tollgate/telemetry';
import { BusExceptionFilter } from './bus-exception.filter';
import { BusTransport } from './bus-transport';
import { PinoNestLogger } from './pino-nest-logger';
import { TollgateModule } from './tollgate.module';

export interface ServiceAppOptions {
  /** Names the service in subjects' queue groups, durable consumers, spans and logs. */
  serviceName: string;
  /** Classes with `@MessagePattern` / `@EventPattern` handlers. */
  controllers?: Type[];
  providers?: Provider[];
  imports?: Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Default: `createBus()` (NATS when NATS_URL is set, else in-process), closed with the app. */
  bus?: Bus;
  /**
   * An open store (the caller closes it), or options to open one with `createEventStore` (closed with the
   * app; `{}` follows DATABASE_URL / TOLLGATE_DATA_DIR). Omit for a service without a store.
   */
  eventStore?: EventStore | CreateEventStoreOptions;
  /** Run the store → bus relay in this service's process. */
  relay?: boolean | { name?: string; checkpoints?: CheckpointStore };
  requests?: RequestOptions;
  telemetry?: Omit<TelemetryOptions, 'serviceName'>;
}

/**
 * Builds and starts one service: telemetry, bus, store, the TollgateModule, and a Nest microservice whose
 * handlers are served over the bus (NATS request/reply and JetStream, or in-process). Close it with
 * `app.close()`.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<INestMicroservice> {
  const telemetry = startTelemetry({ serviceName: options.serviceName, ...options.telemetry });
  const ownsBus = !options.bus;
  const bus = options.bus ?? (await createBus({ name: options.serviceName, logger: telemetry.logger }));
  let eventStore: EventStore | undefined;
  let ownsStore = false;
  try {
    if (options.eventStore && isEventStore(options.eventStore)) eventStore = options.eventStore;
    else if (options.eventStore) {
      eventStore = await createEventStore(options.eventStore);
      ownsStore = true;
    }
  } catch (error) {
    if (ownsBus) await bus.close();
    throw error;
  }
  @Module({
    imports: [
      TollgateModule.forRoot({
        serviceName: options.serviceName,
        bus,
        telemetry,
        ...(eventStore ? { eventStore } : {}),
        ...(options.relay ? { relay: options.relay === true ? {} : options.relay } : {}),
        ...(options.requests ? { requests: options.requests } : {}),
        closeOnShutdown: { bus: ownsBus, eventStore: ownsStore },
      }),
      ...(options.imports ?? []),
    ],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  })
  // What this function opened is closed by TollgateModule's shutdown hook (closeOnShutdown), not here:
  // Nest runs the root module's hooks first on the way down, before the services' own shutdown hooks
  // (the gateway's event streams read the store there), and global modules' hooks last.
  class ServiceModule {}
  Object.defineProperty(ServiceModule, 'name', { value: `${toClassName(options.serviceName)}ServiceModule` });

  const closeOwned = async () => {
    await Promise.allSettled([ownsBus ? bus.close() : undefined, ownsStore ? eventStore?.close() : undefined]);
  };
  let app: INestMicroservice;
  try {
    // abortOnError: false — Nest would otherwise process.exit(1) on a provider that fails to build (a refused
    // broker configuration), past the caller and with the bus and the store still open.
    app = await NestFactory.createMicroservice(ServiceModule, {
      strategy: new BusTransport(bus, options.serviceName),
      logger: new PinoNestLogger(telemetry.logger),
      abortOnError: false,
    });
  } catch (error) {
    await closeOwned();
    throw error;
  }
  app.useGlobalFilters(new BusExceptionFilter());
  try {
    await app.listen();
  } catch (error) {
    await app.close().catch(() => undefined);
    // close() stops early when a hook throws; make sure nothing this function opened outlives the failure.
    await closeOwned();
    throw error;
  }
  return app;
}

function isEventStore(value: EventStore | CreateEventStoreOptions): value is EventStore {
  return typeof (value as EventStore).append === 'function' && typeof (value as EventStore).subscribeAll === 'function';
}

function toClassName(serviceName: string): string {
  return serviceName.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_match, _separator, letter: string) => letter.toUpperCase());
}
