import { NATS_TEST_URL } from '@tollgate/testing';
import { createBus } from './create-bus';
import { NatsBus } from './nats-bus';

describe('createBus', () => {
  const saved = { NATS_URL: process.env.NATS_URL, TOLLGATE_NATS_NAMESPACE: process.env.TOLLGATE_NATS_NAMESPACE };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('is the in-process bus when NATS_URL is unset', async () => {
    delete process.env.NATS_URL;
    const bus = await createBus();
    expect(bus.kind).toBe('in-process');
    await bus.close();
  });

  it('is NATS when NATS_URL is set, in the namespace from TOLLGATE_NATS_NAMESPACE', async () => {
    process.env.NATS_URL = NATS_TEST_URL;
    process.env.TOLLGATE_NATS_NAMESPACE = `createbus_${process.pid}`;
    const bus = await createBus({ name: 'create-bus-spec' });
    expect(bus.kind).toBe('nats');
    expect((bus as NatsBus).streamName).toBe(`TOLLGATE_EVENTS_createbus_${process.pid}`);
    await (bus as NatsBus).deleteEventStream();
    await bus.close();
  });

  it('names NATS_URL when it cannot connect, and refuses a namespace that is not a subject token', async () => {
    await expect(createBus({ natsUrl: 'nats://127.0.0.1:1' })).rejects.toThrow('cannot connect to NATS at nats://127.0.0.1:1 (NATS_URL)');
    await expect(createBus({ natsUrl: NATS_TEST_URL, namespace: 'a.b' })).rejects.toThrow('namespace "a.b" must match');
  });
});
