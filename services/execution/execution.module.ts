import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import type { BrokerPort } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';
import { brokerProvider } from '../broker-provider';
import { ExecutionController, ExecutionMarketData } from './execution.controller';
import { BROKER_PORT, EXECUTION_OPTIONS, ExecutionHandlers, type ExecutionOptions } from './execution.handlers';

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
    const { broker, brokerTimeoutMs, ...rest } = overrides;
    const riskService = rest.riskService ?? config.riskService ?? 'required';
    if (riskService === 'absent' && config.mode !== 'SIMULATED') {
      throw new Error(`riskService=absent is refused in ${config.mode} mode: orders outside a simulation always pass the risk service`);
    }
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
    return {
      module: ExecutionModule,
      controllers: [ExecutionController],
      providers: [
        { provide: EXECUTION_OPTIONS, useValue: options },
        brokerProvider(config, {
          token: BROKER_PORT,
          ...(broker ? { override: broker } : {}),
          ...(brokerTimeoutMs !== undefined ? { timeoutMs: brokerTimeoutMs } : {}),
          // A lost answer becomes a lookup after this long; the simulated exchange answers in-house, so sooner.
          defaultTimeoutMs: { alpaca: 10_000, simulated: 2_000 },
          // The SDK's GET retry stays on here (it never retries a submit, cancel or replace): execution's
          // lookups of an UNKNOWN outcome are GETs and gain from it.
        }),
        ExecutionHandlers,
        ExecutionMarketData,
      ],
      exports: [ExecutionHandlers],
    };
  }
}
