import { Module, type DynamicModule } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { venueOfMode } from '@tollgate/domain/ledger';
import { LedgerController, LedgerMarketData } from './ledger.controller';
import { LEDGER_OPTIONS, LedgerHandlers, type LedgerOptions } from './ledger.handlers';

@Module({})
export class LedgerModule {
  static forRoot(config: RuntimeConfig, overrides: Partial<LedgerOptions> = {}): DynamicModule {
    const options: LedgerOptions = { accountId: config.accountId, venue: venueOfMode(config.mode), equityPointIntervalMs: 60_000, equityPointsKept: 10_000, ...overrides };
    return {
      module: LedgerModule,
      controllers: [LedgerController],
      providers: [{ provide: LEDGER_OPTIONS, useValue: options }, LedgerHandlers, LedgerMarketData],
      exports: [LedgerHandlers],
    };
  }
}
