import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { EventStore } from '@tollgate/event-store';
import { EventRelay, checkpointStoreBeside, type Bus, type CheckpointStore, type RequestOptions } from '@tollgate/messaging';
import type { Logger, Telemetry } from '@tollgate/telemetry';
import { BusClient } from './bus-client';

export const BUS = Symbol('tollgate:bus');
export const EVENT_STORE = Symbol('tollgate:event-store');
export const TELEMETRY = Symbol('tollgate:telemetry');
export const LOGGER = Symbol('tollgate:logger');
const OPTIONS = Symbol('tollgate:module-options');

export const InjectBus = (): ParameterDecorator => Inject(BUS);
export const InjectEventStore = (): ParameterDecorator => Inject(EVENT_STORE);
export const InjectTelemetry = (): ParameterDecorator => Inject(TELEMETRY);
export const InjectLogger = (): ParameterDecorator => Inject(LOGGER);

export interface TollgateModuleOptions {
  serviceName: string;
  bus: Bus;
  telemetry: Telemetry;
  /** Omit for a service without a store; injecting EVENT_STORE then fails at start-up, by name. */
  eventStore?: EventStore;
  /** Run the store → bus relay in this process. Default checkpoints: a table beside the store's events. */
  relay?: { name?: string; checkpoints?: CheckpointStore };
  /** Defaults for BusClient requests. */
  requests?: RequestOptions;
  /**
   * Close the bus and/or the store when the application shuts down — what the module's creator opened
   * (`true`: both). They close after every other shutdown hook: this module is global, so Nest runs its
   * hooks last on the way down.
   */
  closeOnShutdown?: boolean | { bus?: boolean; eventStore?: boolean };
}

/** Starts the relay once the application is up and stops it before the bus and the store close. */
@Injectable()
class Lifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private relay: EventRelay | undefined;

  constructor(@Inject(OPTIONS) private readonly options: TollgateModuleOptions) {}

  async onApplicationBootstrap(): Promise<void> {
    const { relay, eventStore, bus, telemetry } = this.options;
    if (!relay) return;
    if (!eventStore) throw new Error(`${this.options.serviceName}: the relay needs an event store (pass eventStore)`);
    this.relay = new EventRelay({
      store: eventStore,
      bus,
      checkpoints: relay.checkpoints ?? checkpointStoreBeside(eventStore),
      logger: telemetry.logger,
      ...(relay.name ? { name: relay.name } : {}),
    });
    await this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.options.telemetry.forceFlush().catch(() => undefined);
    const { closeOnShutdown = false, bus, eventStore } = this.options;
    const closeBus = closeOnShutdown === true || (closeOnShutdown !== false && closeOnShutdown.bus === true);
    const closeStore = closeOnShutdown === true || (closeOnShutdown !== false && closeOnShutdown.eventStore === true);
    // Each is closed even when the other fails: one left open (a NATS connection, a pg pool) keeps the process alive.
    const results = await Promise.allSettled([closeBus ? bus.close() : undefined, closeStore ? eventStore?.close() : undefined]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Provides the process's Bus, EventStore, Telemetry, pino Logger and a BusClient (a ClientProxy) to every
 * module of a service. Usually created by `createServiceApp`.
 */
@Global()
@Module({})
export class TollgateModule {
  static forRoot(options: TollgateModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: OPTIONS, useValue: options },
      { provide: BUS, useValue: options.bus },
      { provide: TELEMETRY, useValue: options.telemetry },
      { provide: LOGGER, useValue: options.telemetry.logger },
      { provide: BusClient, useFactory: () => new BusClient(options.bus, options.requests ?? {}) },
      Lifecycle,
    ];
    if (options.eventStore) providers.push({ provide: EVENT_STORE, useValue: options.eventStore });
    return {
      module: TollgateModule,
      global: true,
      providers,
      exports: providers.filter((provider) => provider !== Lifecycle),
    };
  }
}

export type { Logger };
