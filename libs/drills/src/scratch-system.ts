import type { DynamicModule, Type } from '@nestjs/common';
import { loadRuntimeConfig, RUNTIME_CONFIG, type RuntimeConfig, type RuntimeConfigInput } from '@tollgate/application';
import { createEventStore, MEMORY_DATA_DIR } from '@tollgate/event-store';
import { InProcessBus } from '@tollgate/messaging';
import { BUS, createServiceApp } from '@tollgate/nest';
import type { DrillSystem } from './drill';

export const DRILL_SYMBOLS = ['SPY', 'QQQ', 'AAPL', 'MSFT'] as const;
export const DRILL_ACCOUNT = 'drill';

export interface ScratchSystemOptions {
  /** The services to run, built from the scratch configuration (the real modules: exchange, execution, risk, breakers). */
  services: (config: RuntimeConfig) => Array<Type | DynamicModule>;
  config?: RuntimeConfigInput;
  /** Default: env TOLLGATE_LOG_LEVEL, else 'error' (a drill prints its own report). */
  logLevel?: string;
  /** Default: an in-memory store. A directory keeps the store on disk (tests that restart the system). */
  dataDir?: string;
}

/**
 * A throw-away SIMULATED system in this process: an in-memory PGlite store and the in-process bus, whatever
 * the environment says (no NATS_URL, no DATABASE_URL), so a drill never touches a real system's data.
 */
export async function createScratchSystem(options: ScratchSystemOptions): Promise<DrillSystem> {
  const config = loadRuntimeConfig({ mode: 'SIMULATED', dataDir: MEMORY_DATA_DIR, accountId: DRILL_ACCOUNT, symbols: [...DRILL_SYMBOLS], ...options.config }, {});
  const bus = new InProcessBus();
  const store = await createEventStore({ dataDir: options.dataDir ?? MEMORY_DATA_DIR });
  try {
    const app = await createServiceApp({
      serviceName: 'drill',
      bus,
      eventStore: store,
      imports: options.services(config),
      providers: [{ provide: RUNTIME_CONFIG, useValue: config }],
      telemetry: { logLevel: options.logLevel ?? process.env.TOLLGATE_LOG_LEVEL ?? 'error' },
    });
    return {
      bus: app.get(BUS, { strict: false }),
      store,
      accountId: config.accountId,
      symbols: config.symbols,
      async close() {
        await app.close();
        await bus.close();
        await store.close();
      },
    };
  } catch (error) {
    await bus.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}
