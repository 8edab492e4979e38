import { Module, type DynamicModule } from '@nestjs/common';
import { millisecondsFromEnv, type RuntimeConfig } from '@tollgate/application';
import type { BrokerPort } from '@tollgate/contracts';
import { defaultRetryPolicy } from '@tollgate/domain/sync';
import type { Bus } from '@tollgate/messaging';
import { brokerProvider, BROKER_TIMEOUT_VARIABLE } from '../broker-provider';
import { ReconciliationController } from './reconciliation.controller';
import { RECONCILIATION_BROKER, RECONCILIATION_OPTIONS, ReconciliationHandlers, type ReconciliationOptions } from './reconciliation.handlers';

/**
 * Timings an operator (or the crash-recovery drill, which wants a restart to be ready sooner) can set from
 * the environment, each a whole number of milliseconds ≥ 100; a bad value stops the service naming it.
 */
export const RECONCILIATION_ENVIRONMENT = {
  /** Between periodic syncs (default 60 s). */
  syncIntervalMs: 'TOLLGATE_SYNC_INTERVAL_MS',
  /** Before the start-up sync is tried again after it could not read the broker (default 5 s). */
  syncRetryMs: 'TOLLGATE_SYNC_RETRY_MS',
  /** How long the start-up waits for the broker's update stream before it syncs anyway (default 5 s). */
  streamWaitMs: 'TOLLGATE_STREAM_WAIT_MS',
  /** Per broker request, before its answer is UNKNOWN (default 10 s for Alpaca, 5 s for the simulated exchange); execution reads it too. */
  brokerTimeoutMs: BROKER_TIMEOUT_VARIABLE,
} as const;

export interface ReconciliationModuleOptions extends Partial<ReconciliationOptions> {
  /** A broker port to use instead of the one the mode selects (tests). */
  broker?: (bus: Bus) => BrokerPort | Promise<BrokerPort>;
  /** Per broker request, before its answer is UNKNOWN (default: TOLLGATE_BROKER_TIMEOUT_MS). */
  brokerTimeoutMs?: number;
}

/**
 * The sync + reconciliation service. Its broker is the one the mode trades with (`createBrokerFor`):
 * the simulated exchange over the bus in SIMULATED, Alpaca (sandbox, paper or live) otherwise, after the
 * C19 configuration check. It has its own connection to the broker, so it sees the broker as execution does.
 */
@Module({})
export class ReconciliationModule {
  static forRoot(config: RuntimeConfig, overrides: ReconciliationModuleOptions = {}): DynamicModule {
    const { broker, brokerTimeoutMs, ...rest } = overrides;
    const options: ReconciliationOptions = {
      accountId: config.accountId,
      simulatedVenue: config.mode === 'SIMULATED',
      retry: defaultRetryPolicy,
      syncIntervalMs: millisecondsFromEnv(RECONCILIATION_ENVIRONMENT.syncIntervalMs) ?? 60_000,
      startupRetryMs: millisecondsFromEnv(RECONCILIATION_ENVIRONMENT.syncRetryMs) ?? 5_000,
      streamWaitMs: millisecondsFromEnv(RECONCILIATION_ENVIRONMENT.streamWaitMs) ?? 5_000,
      visibilityGraceMs: 5_000,
      followUps: 2,
      ...rest,
    };
    return {
      module: ReconciliationModule,
      controllers: [ReconciliationController],
      providers: [
        { provide: RECONCILIATION_OPTIONS, useValue: options },
        brokerProvider(config, {
          token: RECONCILIATION_BROKER,
          ...(broker ? { override: broker } : {}),
          ...(brokerTimeoutMs !== undefined ? { timeoutMs: brokerTimeoutMs } : {}),
          defaultTimeoutMs: { alpaca: 10_000, simulated: 5_000 },
          // Sync retries by its own policy: the SDK's GET retry would hide failures from it.
          alpaca: { retry: false },
        }),
        ReconciliationHandlers,
      ],
      exports: [ReconciliationHandlers],
    };
  }
}
