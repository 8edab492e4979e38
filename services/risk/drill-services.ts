import type { DynamicModule } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { CircuitBreakersModule } from '../circuit-breakers/circuit-breakers.module';
import { ExecutionModule } from '../execution/execution.module';
import { SimulatedExchangeModule } from '../simulated-exchange/simulated-exchange.module';
import { RiskModule, type RiskModuleOptions } from './risk.module';

export interface DrillServicesOptions {
  /** Fault injection, for the drills' own tests: a drill must fail when its control is broken. */
  faults?: RiskModuleOptions['faults'];
}

/**
 * The real services a drill exercises, as `tollgate run` wires them (minus market data, which the drill
 * plays itself, and the gateway): the simulated exchange, execution (risk required), risk and the
 * circuit breakers. The scratch system starts without limits, as a new system would.
 */
export function drillServices(config: RuntimeConfig, options: DrillServicesOptions = {}): DynamicModule[] {
  return [
    SimulatedExchangeModule.forRoot(config),
    RiskModule.forRoot(config, { seedLimitsFile: false, emergencyStop: { cancelWaitMs: 5_000, deadlineMs: 20_000, pollMs: 10 }, ...(options.faults ? { faults: options.faults } : {}) }),
    CircuitBreakersModule.forRoot(config, { tickMs: 200 }),
    ExecutionModule.forRoot(config, { riskService: 'required' }),
  ];
}
