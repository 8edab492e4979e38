import { Module, type DynamicModule } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { GatewayHttpServer } from './gateway-http.server';
import { GATEWAY_OPTIONS, gatewayOptionsFrom, type GatewayOptions } from './gateway.options';

/**
 * The gateway service: the HTTP API and the dashboard, served from the service's own process. It holds no
 * state and decides nothing: reads come from the event store, everything else is a request on the bus to
 * the service that owns it. See docs/gateway.md.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: RuntimeConfig, overrides: Partial<GatewayOptions> = {}): DynamicModule {
    return {
      module: GatewayModule,
      providers: [{ provide: GATEWAY_OPTIONS, useValue: gatewayOptionsFrom(config, overrides) }, GatewayHttpServer],
      exports: [GatewayHttpServer],
    };
  }
}
