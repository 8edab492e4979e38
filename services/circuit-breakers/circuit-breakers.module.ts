import { Module, type DynamicModule } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { CircuitBreakersController } from './circuit-breakers.controller';
import { CIRCUIT_BREAKERS_OPTIONS, CircuitBreakersHandlers, type CircuitBreakersOptions } from './circuit-breakers.handlers';

/** The circuit-breakers service: trips, halts, resets, and auto-mode off on any trip, kill, break or sync failure. */
@Module({})
export class CircuitBreakersModule {
  static forRoot(config: RuntimeConfig, overrides: Partial<CircuitBreakersOptions> = {}): DynamicModule {
    const options: CircuitBreakersOptions = { accountId: config.accountId, mode: config.mode, tickMs: 1_000, ...overrides };
    return {
      module: CircuitBreakersModule,
      controllers: [CircuitBreakersController],
      providers: [{ provide: CIRCUIT_BREAKERS_OPTIONS, useValue: options }, CircuitBreakersHandlers],
      exports: [CircuitBreakersHandlers],
    };
  }
}
