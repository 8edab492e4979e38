import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, millisecondsFromEnv, type RuntimeConfig } from '@tollgate/application';
import { createBrokerFor } from '@tollgate/brokers';
import type { BrokerPort } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';
import { BUS, LOGGER } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { RemoteBrokerPort } from '../simulated-exchange/remote-broker-port';
import { ExecutionController, ExecutionMarketData } from './execution.controller';
import { BROKER_PORT, EXECUTION_OPTIONS, ExecutionHandlers, type ExecutionOptions } from './execution.handlers';

/**
 * Per broker request, before its outcome is UNKNOWN (whole milliseconds ≥ 100). Unset: 10 s for Alpaca,
 * 2 s for the simulated exchange over the bus. The crash-recovery drill sets it lower so a lost answer
 * turns into a lookup sooner.
 */
export const BROKER_TIMEOUT_VARIABLE = 'TOLLGATE_BROKER_TIMEOUT_MS';

export interface ExecutionModuleOptions extends Partial<ExecutionOptions> {
  /** How long a broker request may take before its outcome is UNKNOWN (default: TOLLGATE_BROKER_TIMEOUT_MS). */
  brokerTimeoutMs?: number;
  /** A broker port to use instead of the one the mode selects (tests). */
  broker?: (bus: Bus) => BrokerPort | Promise<BrokerPort>;
}

/**
 * The execution service. Its broker is the one the mode trades with (`createBrokerFor`): the simulated
 * exchange over the bus in SIMULATED, in every topology (RemoteBrokerPort); Alpaca (sandbox, paper or
 * live) otherwise, only after the C19 configuration check accepted the environment. Crash points wrap the
 * port when a drill arms them (TOLLGATE_CRASH_CONTROL / TOLLGATE_CRASH_AT), so `tollgate service
 * execution` is also the process the crash-recovery drill kills.
 */
@Module({})
export class ExecutionModule {
  static forRoot(config: RuntimeConfig, overrides: ExecutionModuleOptions = {}): DynamicModule {
    const { broker, brokerTimeoutMs: timeoutOverride, ...rest } = overrides;
    const riskService = rest.riskService ?? config.riskService ?? 'required';
    if (riskService === 'absent' && config.mode !== 'SIMULATED') {
      throw new Error(`riskService=absent is refused in ${config.mode} mode: orders outside a simulation always pass the risk service`);
    }
    // Read here rather than in the factory, so a bad value stops the service before anything connects.
    const brokerTimeoutMs = timeoutOverride ?? millisecondsFromEnv(BROKER_TIMEOUT_VARIABLE);
    const options: ExecutionOptions = {
      accountId: config.accountId,
      mode: config.mode,
      dryRun: config.dryRun,
      riskService,
      riskTimeoutMs: 2_000,
      instruments: instrumentsFor(config.symbols),
      resumeWindowMs: 60_000,
      fillSweepIntervalMs: 10_000,
      lookupBackoffMs: { first: 100, max: 5_000 },
      maxResends: 3,
      readyWaitMs: 3_000,
      ...rest,
    };
    const brokerFactory =
      broker ??
      ((bus: Bus, logger: Logger) =>
        createBrokerFor({
          mode: config.mode,
          dryRun: config.dryRun,
          // The SDK's GET retry stays on here (it never retries a submit, cancel or replace): execution's
          // lookups of an UNKNOWN outcome are GETs and gain from it.
          alpaca: { timeoutMs: brokerTimeoutMs ?? 10_000 },
          simulated: async () => {
            const port = new RemoteBrokerPort(bus, {
              timeoutMs: brokerTimeoutMs ?? 2_000,
              onInvalidUpdate: (issues) => logger.error({ issues }, 'a broker update was malformed and dropped'),
            });
            await port.connect();
            return port;
          },
        }));
    return {
      module: ExecutionModule,
      controllers: [ExecutionController],
      providers: [
        { provide: EXECUTION_OPTIONS, useValue: options },
        { provide: BROKER_PORT, useFactory: (bus: Bus, logger: Logger) => brokerFactory(bus, logger), inject: [BUS, LOGGER] },
        ExecutionHandlers,
        ExecutionMarketData,
      ],
      exports: [ExecutionHandlers],
    };
  }
}
