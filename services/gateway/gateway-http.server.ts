import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { EventStore } from '@tollgate/event-store';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { createGatewayHttpApp } from './gateway-http.app';
import { GATEWAY_OPTIONS, isLoopback, type GatewayOptions } from './gateway.options';

/**
 * Runs the gateway's HTTP application for as long as the service runs: it listens once every module is
 * up and closes before the bus and the store do.
 */
@Injectable()
export class GatewayHttpServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private app: NestExpressApplication | undefined;
  private address: AddressInfo | undefined;

  constructor(
    @InjectBus() private readonly bus: Bus,
    @InjectEventStore() private readonly store: EventStore,
    @InjectLogger() private readonly logger: Logger,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  /** `http://127.0.0.1:8080`: where the API and the dashboard are, once listening. */
  get url(): string {
    if (!this.address) throw new Error('the gateway is not listening yet');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${this.address.port}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { host, port } = this.options;
    const app = await createGatewayHttpApp({ bus: this.bus, store: this.store, logger: this.logger, options: this.options });
    try {
      await app.listen(port, host);
    } catch (error) {
      await app.close().catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the port is in use (set TOLLGATE_HTTP_PORT to another one)' : (error as Error).message;
      throw new Error(`the gateway could not listen on ${host}:${port}: ${why}`, { cause: error });
    }
    this.app = app;
    this.address = app.getHttpServer().address() as AddressInfo;
    if (!isLoopback(host)) this.logger.warn({ host }, `the gateway listens on ${host} and has no authentication: anyone who can reach it can trade and kill`);
    this.logger.info({ url: this.url }, `dashboard and API at ${this.url}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }
}
