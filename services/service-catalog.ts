import type { DynamicModule, Type } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';

/**
 * Every Tollgate service, by name. `tollgate service NAME` runs one as its own process (NATS +
 * PostgreSQL); `tollgate run` runs them all in one process on the embedded store and bus.
 * A service is a Nest module built from the runtime configuration.
 */
export interface ServiceDefinition {
  name: string;
  description: string;
  module: (config: RuntimeConfig) => Type | DynamicModule;
  /** Whether this process also runs the store → bus relay when run alone. */
  relay?: boolean;
}

export const serviceCatalog: ServiceDefinition[] = [];

export function findService(name: string): ServiceDefinition | undefined {
  return serviceCatalog.find((service) => service.name === name);
}
