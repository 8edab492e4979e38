import { resolve } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import { RiskController } from './risk.controller';
import { RISK_OPTIONS, RiskHandlers, type RiskOptions } from './risk.handlers';

/** The limits `system:bootstrap` applies at the first SIMULATED start (docs/risk-controls.md). */
export const DEFAULT_SIMULATED_LIMITS_FILE = resolve(__dirname, '../../config/limits.simulated.json');

export type RiskModuleOptions = Partial<Omit<RiskOptions, 'emergencyStop' | 'faults'>> & {
  emergencyStop?: Partial<RiskOptions['emergencyStop']>;
  faults?: RiskOptions['faults'];
};

/** The risk service: pre-trade checks for execution, and the operator's risk controls. */
@Module({})
export class RiskModule {
  static forRoot(config: RuntimeConfig, overrides: RiskModuleOptions = {}): DynamicModule {
    const options: RiskOptions = {
      accountId: config.accountId,
      mode: config.mode,
      instruments: instrumentsFor(config.symbols),
      seedLimitsFile: overrides.seedLimitsFile ?? DEFAULT_SIMULATED_LIMITS_FILE,
      emergencyStop: { cancelWaitMs: 10_000, deadlineMs: 120_000, pollMs: 25, ...overrides.emergencyStop },
      faults: overrides.faults ?? {},
      ...(overrides.accountId ? { accountId: overrides.accountId } : {}),
      ...(overrides.mode ? { mode: overrides.mode } : {}),
      ...(overrides.instruments ? { instruments: overrides.instruments } : {}),
    };
    return {
      module: RiskModule,
      controllers: [RiskController],
      providers: [{ provide: RISK_OPTIONS, useValue: options }, RiskHandlers],
      exports: [RiskHandlers],
    };
  }
}
