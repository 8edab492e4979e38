import { resolve } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import { RiskController } from './risk.controller';
import { RISK_OPTIONS, RiskHandlers, type RiskOptions } from './risk.handlers';

/** The limits `system:bootstrap` applies at the first SIMULATED start (docs/risk-controls.md). */
export const DEFAULT_SIMULATED_LIMITS_FILE = resolve(__dirname, '../../config/limits.simulated.json');
/** The more conservative limits `system:bootstrap` applies at the first SANDBOX_PAPER start. */
export const DEFAULT_SANDBOX_PAPER_LIMITS_FILE = resolve(__dirname, '../../config/limits.sandbox-paper.json');

/** The seed file of each mode; LIVE has none (limits there are a person's decision). */
export function defaultSeedLimitsFile(mode: RiskOptions['mode']): string | false {
  if (mode === 'SIMULATED') return DEFAULT_SIMULATED_LIMITS_FILE;
  if (mode === 'SANDBOX_PAPER') return DEFAULT_SANDBOX_PAPER_LIMITS_FILE;
  return false;
}

export type RiskModuleOptions = Partial<Omit<RiskOptions, 'emergencyStop' | 'faults'>> & {
  emergencyStop?: Partial<RiskOptions['emergencyStop']>;
  faults?: RiskOptions['faults'];
};

/** The risk service: pre-trade checks for execution, and the operator's risk controls. */
@Module({})
export class RiskModule {
  static forRoot(config: RuntimeConfig, overrides: RiskModuleOptions = {}): DynamicModule {
    const mode = overrides.mode ?? config.mode;
    const options: RiskOptions = {
      accountId: config.accountId,
      mode: config.mode,
      instruments: instrumentsFor(config.symbols),
      seedLimitsFile: overrides.seedLimitsFile ?? defaultSeedLimitsFile(mode),
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
