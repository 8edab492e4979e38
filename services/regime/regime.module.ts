import { Module, type DynamicModule } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { RegimeController, RegimeMarketData } from './regime.controller';
import { DEFAULT_REGIME_OPTIONS, REGIME_OPTIONS, RegimeHandlers, type RegimeOptions } from './regime.handlers';

/** The regime service: online structural-break detection per symbol (docs/structural-breaks.md). */
@Module({})
export class RegimeModule {
  static forRoot(config: RuntimeConfig, overrides: Partial<RegimeOptions> = {}): DynamicModule {
    const options: RegimeOptions = { symbols: config.symbols, ...DEFAULT_REGIME_OPTIONS, ...overrides };
    return {
      module: RegimeModule,
      controllers: [RegimeController],
      providers: [{ provide: REGIME_OPTIONS, useValue: options }, RegimeHandlers, RegimeMarketData],
      exports: [RegimeHandlers],
    };
  }
}
