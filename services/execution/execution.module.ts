import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import { AlpacaBroker, checkBrokerConfiguration, loadAlpacaCredentials } from '@tollgate/brokers';
import type { BrokerPort } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';
import { BUS, LOGGER } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { RemoteBrokerPort } from '../simulated-exchange/remote-broker-port';
import { ExecutionController, ExecutionMarketData } from './execution.controller';
import { BROKER_PORT, EXECUTION_OPTIONS, ExecutionHandlers, type ExecutionOptions } from './execution.handlers';

export interface ExecutionModuleOptions extends Partial<ExecutionOptions> {
  /** How long a broker request may take before its outcome is UNKNOWN. */
  brokerTimeoutMs?: number;
  /** A broker port to use instead of the one the mode selects (tests, drills). */
  broker?: (bus: Bus) => BrokerPort | Promise<BrokerPort>;
}

/**
 * The execution service. In SIMULATED mode its broker is the simulated exchange, reached over the bus
 * in every topology (RemoteBrokerPort); in SANDBOX_PAPER and LIVE it is Alpaca (libs/brokers), after
 * the configuration check refuses any mismatch between the mode and the credentials.
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
    const brokerFactory =
      broker ??
      (async (bus: Bus, logger?: Logger): Promise<BrokerPort> => {
        if (config.mode !== 'SIMULATED') {
          const check = checkBrokerConfiguration(config.mode, config.dryRun, process.env);
          if (!check.ok) throw new Error(`execution refused the broker configuration: ${check.problems.join('; ')}`);
          return new AlpacaBroker({ credentials: loadAlpacaCredentials(process.env), timeoutMs: brokerTimeoutMs ?? 10_000 });
        }
        const port = new RemoteBrokerPort(bus, {
          timeoutMs: brokerTimeoutMs ?? 2_000,
          onInvalidUpdate: (issues) => logger?.error({ issues }, 'a broker update was malformed and dropped'),
        });
        await port.connect();
        return port;
      });
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
