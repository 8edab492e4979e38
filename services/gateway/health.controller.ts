import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { EventStore } from '@tollgate/event-store';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore } from '@tollgate/nest';
import type { Response } from 'express';
import { exposedCommands, operatorRouteAvailability, type ExposedCommand, type OperatorRoute } from './control-surface';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway.options';

export interface GatewayHealth {
  status: 'ok' | 'unavailable';
  service: 'gateway';
  mode: string;
  accountId: string;
  bus: Bus['kind'];
  /** The store's head position: where a live event stream starts. */
  head: number | null;
  startedAt: string;
  /** Which operator routes have their subject registered (false: the service is not built yet). */
  routes: Record<OperatorRoute, boolean>;
  error?: string;
}

@Controller('api')
export class HealthController {
  private readonly startedAt = new Date().toISOString();

  constructor(
    @InjectBus() private readonly bus: Bus,
    @InjectEventStore() private readonly store: EventStore,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  /** 200 while the store answers, 503 when it does not. */
  @Get('health')
  async health(@Res({ passthrough: true }) response: Response): Promise<GatewayHealth> {
    const base = {
      service: 'gateway' as const,
      mode: this.options.mode,
      accountId: this.options.accountId,
      bus: this.bus.kind,
      startedAt: this.startedAt,
      routes: operatorRouteAvailability(),
    };
    try {
      return { status: 'ok', ...base, head: await this.store.headPosition() };
    } catch (error) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', ...base, head: null, error: `the event store did not answer: ${(error as Error).message}` };
    }
  }

  /** The allow-list of the generic control channel. */
  @Get('commands')
  commands(): { commands: ExposedCommand[] } {
    return { commands: exposedCommands() };
  }
}
