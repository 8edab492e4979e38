import { Module, type DynamicModule } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { MarketDataController } from './market-data.controller';
import { MARKET_DATA_OPTIONS, MarketDataFeed, type MarketDataOptions } from './market-data.handlers';

@Module({})
export class MarketDataModule {
  static forRoot(config: RuntimeConfig, overrides: Partial<MarketDataOptions> = {}): DynamicModule {
    const options: MarketDataOptions = {
      source: config.marketData,
      mode: config.mode,
      dryRun: config.dryRun,
      pollMs: config.marketDataPollMs,
      barInterval: config.barInterval,
      speed: config.speed,
      seed: config.seed,
      symbols: config.symbols,
      syntheticTradingDays: 252,
      quotesPerBar: 4,
      staleAfterSeconds: 120,
      barBatchSize: 500,
      barFlushIntervalMs: 200,
      rejectionsRecordedPerKey: 10,
      resume: true,
      ...overrides,
    };
    return {
      module: MarketDataModule,
      controllers: [MarketDataController],
      providers: [{ provide: MARKET_DATA_OPTIONS, useValue: options }, MarketDataFeed],
      exports: [MarketDataFeed],
    };
  }
}
