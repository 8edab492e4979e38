export { createServiceApp, type ServiceAppOptions } from './service-app';
export {
  TollgateModule,
  BUS,
  EVENT_STORE,
  TELEMETRY,
  LOGGER,
  InjectBus,
  InjectEventStore,
  InjectTelemetry,
  InjectLogger,
  type TollgateModuleOptions,
} from './tollgate.module';
export { BusTransport, durableNameFor, type BusHandlerExtras } from './bus-transport';
export { BusClient } from './bus-client';
export { BusContext } from './bus-context';
export { BusExceptionFilter } from './bus-exception.filter';
export { PinoNestLogger } from './pino-nest-logger';
