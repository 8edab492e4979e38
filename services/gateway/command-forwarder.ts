import { Inject, Injectable } from '@nestjs/common';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { isExposed } from './control-surface';
import { GatewayHttpError, serviceMissing } from './gateway.errors';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway.options';
import { withActor } from './operator-identity';

/**
 * Sends what an HTTP request asks for over the bus, and only to allow-listed subjects. Commands carry the
 * operator as `actor` and are logged with it; queries travel as they are.
 */
@Injectable()
export class CommandForwarder {
  constructor(
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  /** A friendly route's command: 503 when its service has not registered the subject yet. */
  async command(subject: string, payload: Record<string, unknown> | undefined, actor: string): Promise<unknown> {
    if (!isExposed(subject)) throw serviceMissing(subject);
    return this.sendCommand(subject, payload, actor);
  }

  /** A friendly route's query: 503 when its service has not registered the subject yet. */
  async query(subject: string, payload: Record<string, unknown> = {}): Promise<unknown> {
    if (!isExposed(subject)) throw serviceMissing(subject);
    return this.bus.request(subject, payload, { timeoutMs: this.options.queryTimeoutMs });
  }

  /** The generic channel: 404 for a subject that is not on the allow-list. */
  async forward(kind: 'command' | 'query', subject: string, body: unknown, actor: string): Promise<unknown> {
    if (!isExposed(subject)) {
      throw new GatewayHttpError(404, `no ${kind} ${subject} is exposed: GET /api/commands lists the subjects the gateway forwards`, { subject });
    }
    if (kind === 'query') return this.bus.request(subject, body ?? {}, { timeoutMs: this.options.queryTimeoutMs });
    return this.sendCommand(subject, body, actor);
  }

  private async sendCommand(subject: string, body: unknown, actor: string): Promise<unknown> {
    const payload = withActor(body, actor);
    try {
      const reply = await this.bus.request(subject, payload, { timeoutMs: this.options.commandTimeoutMs });
      this.logger.info({ subject, actor }, `${actor} sent ${subject}`);
      return reply;
    } catch (error) {
      // Who tried what is worth keeping whatever the outcome; the failure itself is logged with the answer.
      this.logger.info({ subject, actor, failed: (error as Error).message }, `${actor} sent ${subject}, which failed`);
      throw error;
    }
  }
}
