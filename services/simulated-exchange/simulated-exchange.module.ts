import { Module, type DynamicModule } from '@nestjs/common';
import { instrumentsFor, type RuntimeConfig } from '@tollgate/application';
import { SimulatedExchangeController, SimulatedExchangeMarketData } from './simulated-exchange.controller';
import { SIMULATED_EXCHANGE_OPTIONS, SimulatedExchangeHandlers, type SimulatedExchangeOptions } from './simulated-exchange.handlers';

/** Cash a simulated account opens with. */
export const SIMULATED_INITIAL_CASH = '100000';

@Module({})
export class SimulatedExchangeModule {
  static forRoot(config: RuntimeConfig, overrides: Partial<SimulatedExchangeOptions> = {}): DynamicModule {
    const options: SimulatedExchangeOptions = {
      accountId: config.accountId,
      seed: config.seed,
      fillModel: config.simulatedFillModel,
      instruments: instrumentsFor(config.symbols),
      initialCash: SIMULATED_INITIAL_CASH,
      ...overrides,
    };
    return {
      module: SimulatedExchangeModule,
      controllers: [SimulatedExchangeController],
      providers: [{ provide: SIMULATED_EXCHANGE_OPTIONS, useValue: options }, SimulatedExchangeHandlers, SimulatedExchangeMarketData],
      exports: [SimulatedExchangeHandlers],
    };
  }
}
