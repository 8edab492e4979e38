import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import { defaultProposalsConfig, loadProposalsConfig } from './proposals.config';
import { ProposalsController, ProposalsMarketData } from './proposals.controller';
import { PROPOSALS_OPTIONS, ProposalsHandlers, type ProposalsOptions } from './proposals.handlers';

export interface ProposalsModuleOptions extends Partial<ProposalsOptions> {
  /** A proposals config file (strategies, sizing, expiry, exits). Default: env TOLLGATE_STRATEGIES, else trend on the run's symbols. */
  configFile?: string;
}

/** The proposals service: strategies → proposals → a person's (or auto-mode's) decision → orders; exit rules on every open position. */
@Module({})
export class ProposalsModule {
  static forRoot(config: RuntimeConfig, overrides: ProposalsModuleOptions = {}): DynamicModule {
    const { configFile, ...rest } = overrides;
    const file = configFile ?? nonEmpty(process.env.TOLLGATE_STRATEGIES);
    const options: ProposalsOptions = {
      accountId: config.accountId,
      mode: config.mode,
      config: file ? loadProposalsConfig(file, { symbols: config.symbols }) : defaultProposalsConfig(config.symbols),
      instruments: instrumentsFor(config.symbols),
      executionTimeoutMs: 10_000,
      expirySweepIntervalMs: 1_000,
      maxQuoteAgeMs: 60_000,
      readYourWritesTimeoutMs: 10_000,
      ...rest,
    };
    return {
      module: ProposalsModule,
      controllers: [ProposalsController],
      providers: [{ provide: PROPOSALS_OPTIONS, useValue: options }, ProposalsHandlers, ProposalsMarketData],
      exports: [ProposalsHandlers],
    };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}
