import { BrokerRejectedError, BrokerUnavailableError, type BrokerOrder, type BrokerUpdate } from '@tollgate/contracts';
import { DomainError } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { RemoteBrokerPort } from './remote-broker-port';
import { BROKER_REJECTED_CODE, simulatedBrokerUpdatesSubject, simulatedExchangeSubjects } from './simulated-exchange.commands';

const logger = createLogger({ serviceName: 'test', level: 'silent' });
const order: BrokerOrder = {
  brokerOrderId: 'b-1',
  clientOrderId: 'c-1',
  symbol: 'AAPL',
  side: 'buy',
  type: 'market',
  timeInForce: 'day',
  quantity: '10',
  filledQuantity: '0',
  averageFillPrice: null,
  limitPrice: null,
  stopPrice: null,
  status: 'accepted',
  submittedAt: '2024-07-02T14:00:00.000Z',
  updatedAt: '2024-07-02T14:00:00.000Z',
};
const request = { clientOrderId: 'c-1', symbol: 'AAPL', side: 'buy' as const, type: 'market' as const, quantity: '10', timeInForce: 'day' as const };

describe('RemoteBrokerPort', () => {
  let bus: InProcessBus;
  let port: RemoteBrokerPort;
  beforeEach(async () => {
    bus = new InProcessBus({ logger, requestTimeoutMs: 200 });
    port = new RemoteBrokerPort(bus, { timeoutMs: 100 });
    await port.connect();
  });
  afterEach(async () => {
    await port.close();
    await bus.close();
  });

  it('answers with the broker order the exchange returned', async () => {
    await bus.reply(simulatedExchangeSubjects.submit, () => order);
    await expect(port.submit(request)).resolves.toEqual(order);
  });

  it('turns the venue refusing into BrokerRejectedError with its reason', async () => {
    // What the exchange's controller sends (through the BusExceptionFilter): name, message, code and the reason.
    await bus.reply(simulatedExchangeSubjects.submit, () => {
      throw Object.assign(new Error('simulated submit was rejected: symbol ZZZ is not traded here'), {
        name: 'BrokerRejectedError',
        code: BROKER_REJECTED_CODE,
        context: { reason: 'symbol ZZZ is not traded here' },
      });
    });
    const rejection = await port.submit(request).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(BrokerRejectedError);
    expect((rejection as BrokerRejectedError).reason).toBe('symbol ZZZ is not traded here');
  });

  it('treats no answer in time as UNKNOWN, never as a refusal', async () => {
    await bus.reply(simulatedExchangeSubjects.submit, () => new Promise(() => undefined));
    await expect(port.submit(request)).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('treats a missing exchange and a failure on its side as UNKNOWN', async () => {
    await expect(port.getOrder('c-1')).rejects.toBeInstanceOf(BrokerUnavailableError);
    await bus.reply(simulatedExchangeSubjects.getOrder, () => {
      throw new DomainError('SOMETHING_BROKE', 'the store was down');
    });
    await expect(port.getOrder('c-1')).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('does not believe a malformed answer', async () => {
    await bus.reply(simulatedExchangeSubjects.submit, () => ({ ...order, filledQuantity: 'ten' }));
    await expect(port.submit(request)).rejects.toThrow(/answer was malformed: filledQuantity/);
  });

  it('answers null when the exchange says it has no such order', async () => {
    await bus.reply(simulatedExchangeSubjects.getOrder, () => null);
    await expect(port.getOrder('c-404')).resolves.toBeNull();
  });

  it('passes valid updates to its listeners and drops malformed ones', async () => {
    const updates: BrokerUpdate[] = [];
    port.onUpdate((update) => updates.push(update));
    bus.publish(simulatedBrokerUpdatesSubject, { kind: 'accepted', order });
    bus.publish(simulatedBrokerUpdatesSubject, { kind: 'fill', order, fill: { fillId: 'f-1' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(updates).toEqual([{ kind: 'accepted', order }]);
  });
});
