import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import type { BrokerPort } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';
import { BUS, LOGGER } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { RemoteBrokerPort } from '../simulated-exchange/remote-broker-port';
import { ExecutionController } from './execution.controller';
import { BROKER_PORT, EXECUTION_OPTIONS, ExecutionHandlers, type ExecutionOptions } from './execution.handlers';

export interface ExecutionModuleOptions extends Partial<ExecutionOptions> {
  /** How long a broker request may take before its outcome is UNKNOWN. */
  brokerTimeoutMs?: number;
  /** A broker port to use instead of the one the mode selects (tests, drills). */
  broker?: (bus: Bus) => BrokerPort | Promise<BrokerPort>;
}

/**
 * The execution service. In SIMULATED mode its broker is the simulated exchange, reached over the bus
 * in every topology (RemoteBrokerPort). Other modes need their broker adapter wired here; until then
 * execution refuses to start in them rather than trade through the wrong venue.
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
          throw new Error(`execution has no broker adapter wired for ${config.mode} mode yet; run SIMULATED, or use --dry-run with a simulated broker`);
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
      ],
      exports: [ExecutionHandlers],
    };
  }
}
