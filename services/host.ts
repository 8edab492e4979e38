import type { INestMicroservice } from '@nestjs/common';
import { loadRuntimeConfig, RUNTIME_CONFIG, type RuntimeConfig, type RuntimeConfigInput } from '@tollgate/application';
import { createServiceApp } from '@tollgate/nest';
import { modeRefusal, runsInMode, serviceCatalog, type ServiceDefinition } from './service-catalog';

export interface HostedSystem {
  config: RuntimeConfig;
  app: INestMicroservice;
  services: string[];
  close(): Promise<void>;
}

/** A named service does not belong to the configured trading mode (ServiceDefinition.modes). */
export class ServiceModeError extends Error {
  override name = 'ServiceModeError';
}

/**
 * Starts services in this process. With one name it is that service alone (production shape: NATS +
 * PostgreSQL from the environment); with none it is every service of the configured mode together — the
 * embedded default. A named service outside its modes is refused (ServiceModeError) rather than skipped:
 * whoever named it expects it to run.
 */
export async function hostServices(options: { names?: string[]; config?: RuntimeConfigInput; processName?: string } = {}): Promise<HostedSystem> {
  const config = loadRuntimeConfig(options.config);
  const chosen: ServiceDefinition[] = options.names?.length
    ? options.names.map((name) => {
        const found = serviceCatalog.find((service) => service.name === name);
        if (!found) throw new Error(`service ${name} does not exist; choose one of: ${serviceCatalog.map((service) => service.name).join(', ')}`);
        const refusal = modeRefusal(found, config.mode);
        if (refusal) throw new ServiceModeError(refusal);
        return found;
      })
    : serviceCatalog.filter((service) => runsInMode(service, config.mode));
  const allInOne = !options.names?.length;
  const app = await createServiceApp({
    serviceName: options.processName ?? (allInOne ? 'tollgate' : chosen.map((service) => service.name).join('+')),
    imports: chosen.map((service) => service.module(config)),
    providers: [{ provide: RUNTIME_CONFIG, useValue: config }],
    eventStore: { ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }) },
    relay: allInOne || chosen.some((service) => service.relay),
  });
  return { config, app, services: chosen.map((service) => service.name), close: () => app.close() };
}
