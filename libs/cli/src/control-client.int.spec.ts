import { randomBytes } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { loadRuntimeConfig } from '@tollgate/application';
import { commandSubjects } from '@tollgate/contracts';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { DomainError } from '@tollgate/kernel';
import { connectNatsBus, InProcessBus, type NatsBus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { GatewayHttpServer, GatewayModule } from '@tollgate/services/gateway';
import { freePort, NATS_TEST_URL } from '@tollgate/testing';
import { ControlError, controlChannel, sendCommand } from './control-client';

describe('sendCommand', () => {
  const kills: unknown[] = [];
  const kill = (payload: { scope?: string }) => {
    kills.push(payload);
    return { scope: payload.scope ?? 'all', engaged: true, ordersToCancel: 2, changed: true };
  };
  const refuse = () => {
    throw new DomainError('PROPOSAL_NOT_PENDING', 'proposal p-9 expired');
  };

  beforeEach(() => {
    kills.length = 0;
  });

  it('goes over NATS when NATS_URL is set, else to the local gateway on TOLLGATE_HTTP_PORT', () => {
    expect(controlChannel({}, { NATS_URL: 'nats://10.0.0.5:4222' })).toEqual({ kind: 'nats', url: 'nats://10.0.0.5:4222' });
    expect(controlChannel({}, { TOLLGATE_HTTP_PORT: '9123' })).toEqual({ kind: 'http', url: 'http://127.0.0.1:9123' });
    expect(controlChannel({}, {})).toEqual({ kind: 'http', url: 'http://127.0.0.1:8080' });
    expect(controlChannel({ gatewayUrl: 'http://127.0.0.1:9000/' }, { NATS_URL: 'nats://10.0.0.5:4222' })).toEqual({ kind: 'http', url: 'http://127.0.0.1:9000' });
  });

  describe('through the embedded system’s gateway (HTTP)', () => {
    const bus = new InProcessBus({ requestTimeoutMs: 2_000 });
    let store: EventStore;
    let app: INestMicroservice;
    let gatewayUrl: string;

    beforeAll(async () => {
      store = await createEventStore({ dataDir: 'memory://' });
      await bus.reply(commandSubjects.risk.kill, kill);
      await bus.reply(commandSubjects.risk.state, (payload) => ({ asked: payload }));
      await bus.reply(commandSubjects.proposals.approve, refuse);
      app = await createServiceApp({
        serviceName: 'gateway',
        bus,
        eventStore: store,
        imports: [GatewayModule.forRoot(loadRuntimeConfig({ dataDir: 'memory://', httpPort: 0 }, {}))],
        telemetry: { logLevel: 'error' },
      });
      gatewayUrl = app.get(GatewayHttpServer, { strict: false }).url;
    });

    afterAll(async () => {
      await app?.close();
      await store?.close();
      await bus.close();
    });

    it('sends a command as the operator and resolves to the reply', async () => {
      const reply = await sendCommand(commandSubjects.risk.kill, { scope: 'strategy:trend', reason: 'misbehaving' }, { actor: 'user:carol', gatewayUrl });
      expect(reply).toEqual({ scope: 'strategy:trend', engaged: true, ordersToCancel: 2, changed: true });
      expect(kills).toEqual([{ scope: 'strategy:trend', reason: 'misbehaving', actor: 'user:carol' }]);
    });

    it('sends a query as it is, with no actor added', async () => {
      const reply = await sendCommand(commandSubjects.risk.state, {}, { gatewayUrl });
      expect(reply).toEqual({ asked: {} });
    });

    it("fails with the service's own reason when it refuses", async () => {
      const failure = await sendCommand(commandSubjects.proposals.approve, { proposalId: 'p-9' }, { actor: 'user:carol', gatewayUrl }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ControlError);
      expect(failure).toMatchObject({ kind: 'refused', subject: commandSubjects.proposals.approve, details: { status: 422, code: 'PROPOSAL_NOT_PENDING', service: 'proposals' } });
      expect((failure as Error).message).toContain('proposal p-9 expired');
    });

    it('says which service is not running', async () => {
      const failure = await sendCommand(commandSubjects.breakers.list, {}, { gatewayUrl }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ kind: 'not-running', details: { service: 'circuit-breakers', status: 503 } });
      expect((failure as Error).message).toContain(commandSubjects.breakers.list);
    });
  });

  it('tells the operator to start Tollgate when nothing listens at the gateway address', async () => {
    const port = await freePort();
    const failure = await sendCommand(commandSubjects.risk.state, {}, { gatewayUrl: `http://127.0.0.1:${port}` }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ControlError);
    expect((failure as ControlError).kind).toBe('unreachable');
    expect((failure as Error).message).toBe(`no running Tollgate at http://127.0.0.1:${port}: start it with \`npm start\` (or set NATS_URL to reach a deployment)`);
  });

  describe('over NATS', () => {
    const namespace = `control_${randomBytes(4).toString('hex')}`;
    let responder: NatsBus;
    const previousNamespace = process.env.TOLLGATE_NATS_NAMESPACE;

    beforeAll(async () => {
      process.env.TOLLGATE_NATS_NAMESPACE = namespace;
      responder = await connectNatsBus({ url: NATS_TEST_URL, namespace, name: 'control-client-spec' });
      await responder.reply(commandSubjects.risk.kill, kill);
      await responder.reply(commandSubjects.proposals.approve, refuse);
    });

    afterAll(async () => {
      if (previousNamespace === undefined) delete process.env.TOLLGATE_NATS_NAMESPACE;
      else process.env.TOLLGATE_NATS_NAMESPACE = previousNamespace;
      await responder?.deleteEventStream();
      await responder?.close();
    });

    it('puts the actor on the payload and requests on the bus', async () => {
      const reply = await sendCommand(commandSubjects.risk.kill, { reason: 'drill' }, { actor: 'user:dave', natsUrl: NATS_TEST_URL });
      expect(reply).toMatchObject({ engaged: true });
      expect(kills).toEqual([{ reason: 'drill', actor: 'user:dave' }]);
    });

    it('reports a refusal and a missing service the same way as over HTTP', async () => {
      const refused = await sendCommand(commandSubjects.proposals.approve, { proposalId: 'p-9' }, { actor: 'user:dave', natsUrl: NATS_TEST_URL }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ kind: 'refused', details: { code: 'PROPOSAL_NOT_PENDING', service: 'proposals' } });

      const missing = await sendCommand(commandSubjects.breakers.list, {}, { natsUrl: NATS_TEST_URL, timeoutMs: 2_000 }).catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(ControlError);
      expect(['not-running', 'timeout']).toContain((missing as ControlError).kind);
      expect((missing as Error).message).toContain(commandSubjects.breakers.list);
    });
  });
});

