import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { DomainError } from '@tollgate/kernel';
import { InProcessBus, RemoteError } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { bindController } from './controller-binding';

@Controller()
class EchoController {
  readonly quotes: unknown[] = [];

  @MessagePattern('tollgate.cmd.echo.say')
  say(@Payload() body: { text: string }): { said: string } {
    return { said: body.text };
  }

  @MessagePattern('tollgate.cmd.echo.refuse')
  refuse(): never {
    throw new DomainError('ECHO_REFUSED', 'nothing to echo');
  }

  @MessagePattern('tollgate.cmd.echo.venue')
  venue(): never {
    throw new RpcException({ name: 'BrokerRejectedError', message: 'rejected by the venue', code: 'BROKER_REJECTED', details: { reason: 'halted' } });
  }

  @EventPattern('tollgate.md.quote.*')
  onQuote(@Payload() body: unknown): void {
    this.quotes.push(body);
  }
}

describe('serving a controller on the bus without Nest', () => {
  const logger = createLogger({ serviceName: 'binding-spec', level: 'silent' });

  it('answers its request subjects, with errors crossing as the services send them', async () => {
    const bus = new InProcessBus({ logger });
    await bindController(bus, new EchoController(), { service: 'echo', marketData: false });
    await expect(bus.request('tollgate.cmd.echo.say', { text: 'hi' })).resolves.toEqual({ said: 'hi' });
    const refused = await bus.request('tollgate.cmd.echo.refuse', {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RemoteError);
    expect((refused as RemoteError).remote).toMatchObject({ name: 'DomainError', code: 'ECHO_REFUSED', message: 'ECHO_REFUSED: nothing to echo' });
    const rejected = (await bus.request('tollgate.cmd.echo.venue', {}).catch((error: unknown) => error)) as RemoteError;
    expect(rejected.remote).toEqual({ name: 'BrokerRejectedError', message: 'rejected by the venue', code: 'BROKER_REJECTED', details: { reason: 'halted' } });
    await bus.close();
  });

  it('subscribes its market-data handlers only when asked to', async () => {
    const bus = new InProcessBus({ logger });
    const silent = new EchoController();
    const listening = new EchoController();
    await bindController(bus, silent, { service: 'echo', marketData: false });
    await bindController(bus, listening, { service: 'echo-2', marketData: true });
    bus.publish('tollgate.md.quote.SPY', { bid: '1' });
    await bus.flush();
    expect(silent.quotes).toEqual([]);
    expect(listening.quotes).toEqual([{ bid: '1' }]);
    await bus.close();
  });
});
