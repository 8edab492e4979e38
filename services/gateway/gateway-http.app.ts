import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { EventStore } from '@tollgate/event-store';
import type { Bus } from '@tollgate/messaging';
import { BUS, EVENT_STORE, LOGGER, PinoNestLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { CommandForwarder } from './command-forwarder';
import { ControlChannelController } from './control-channel.controller';
import { EventStreams } from './event-streams';
import { EventsController } from './events.controller';
import { GatewayExceptionFilter } from './gateway-exception.filter';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway.options';
import { HealthController } from './health.controller';
import { localOnly } from './local-only.middleware';
import { OperatorController } from './operator.controller';

/** Where the dashboard's static files live (served at `/`). */
export const DASHBOARD_DIRECTORY = join(__dirname, 'dashboard');

export interface GatewayHttpDependencies {
  bus: Bus;
  store: EventStore;
  logger: Logger;
  options: GatewayOptions;
}

/**
 * The gateway's HTTP application: its own Nest container beside the service's microservice, in the same
 * process, sharing its bus, store and logger. Not listening yet: the caller listens and closes it.
 */
export async function createGatewayHttpApp(dependencies: GatewayHttpDependencies): Promise<NestExpressApplication> {
  @Module({
    controllers: [HealthController, EventsController, ControlChannelController, OperatorController],
    providers: [
      { provide: BUS, useValue: dependencies.bus },
      { provide: EVENT_STORE, useValue: dependencies.store },
      { provide: LOGGER, useValue: dependencies.logger },
      { provide: GATEWAY_OPTIONS, useValue: dependencies.options },
      CommandForwarder,
      EventStreams,
    ],
  })
  class GatewayHttpModule {}

  const app = await NestFactory.create<NestExpressApplication>(GatewayHttpModule, new ExpressAdapter(), {
    // Nest's start-up chatter (one line per route) stays out of the service's log; its warnings do not.
    logger: new PinoNestLogger(dependencies.logger.child({ component: 'gateway-http' }, { level: 'warn' })),
    // Event streams never end by themselves; closing the app must not wait for every browser tab.
    forceCloseConnections: true,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.use(localOnly(dependencies.options.host));
  app.useBodyParser('json', { limit: '256kb' });
  app.useStaticAssets(DASHBOARD_DIRECTORY, { index: 'index.html', maxAge: 0 });
  app.useGlobalFilters(new GatewayExceptionFilter(dependencies.logger));
  return app;
}
