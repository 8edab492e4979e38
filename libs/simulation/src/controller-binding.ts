import 'reflect-metadata';
import { RpcException } from '@nestjs/microservices';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { subjects } from '@tollgate/contracts';
import type { Bus, BusSubscription, WireError } from '@tollgate/messaging';

/** Nest's marker for `@MessagePattern` (request/reply) as opposed to `@EventPattern`. */
const MESSAGE_HANDLER = 1;

export interface BindControllerOptions {
  /** Queue group of its request handlers, as the service's name gives it under Nest. */
  service: string;
  /**
   * Whether its `@EventPattern` market-data handlers subscribe to the bus. A simulation calls the
   * deciding services' handlers itself, in a fixed order, once the venue has settled.
   */
  marketData: boolean;
}

/**
 * Serves a service's controller on a bus the way the services' Nest transport does (BusTransport):
 * each `@MessagePattern(subject)` answers requests on the subject, each core `@EventPattern(subject)`
 * subscribes to it; errors cross as the BusExceptionFilter sends them (name, code, message). It reads
 * the controllers' own decorators, so the simulation serves exactly the subjects the services serve,
 * with no Nest application around them. Durable `tollgate.evt.*` consumers are not supported (no
 * service uses one; they follow the store).
 */
export async function bindController(bus: Bus, controller: object, options: BindControllerOptions): Promise<BusSubscription[]> {
  const bound: BusSubscription[] = [];
  const prototype = Object.getPrototypeOf(controller) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as unknown[] | undefined;
    if (!patterns) continue;
    const handler = (payload: unknown) => (method as (body: unknown) => unknown).call(controller, payload);
    for (const pattern of patterns) {
      if (typeof pattern !== 'string') throw new Error(`${controller.constructor.name}.${name}: only string subjects can be bound, got ${JSON.stringify(pattern)}`);
      if (Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) === MESSAGE_HANDLER) {
        bound.push(await bus.reply(pattern, (payload) => answer(handler, payload), { queue: options.service }));
      } else if (pattern.startsWith(subjects.allEvents.slice(0, -1))) {
        throw new Error(`${controller.constructor.name}.${name}: durable event consumers (${pattern}) are not supported in a simulation`);
      } else if (options.marketData) {
        bound.push(await bus.subscribe(pattern, async (payload) => void (await handler(payload))));
      }
    }
  }
  return bound;
}

async function answer(handler: (payload: unknown) => unknown, payload: unknown): Promise<unknown> {
  try {
    return await handler(payload);
  } catch (error) {
    if (!(error instanceof RpcException)) throw error;
    const carried = error.getError();
    if (typeof carried === 'string') throw Object.assign(new Error(carried), { name: 'RpcException' });
    const fields = carried as Partial<WireError>;
    throw Object.assign(new Error(typeof fields.message === 'string' ? fields.message : error.message), {
      name: typeof fields.name === 'string' ? fields.name : 'RpcException',
      ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
      ...(fields.details !== undefined ? { context: fields.details } : {}),
    });
  }
}
