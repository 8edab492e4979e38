import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { INestMicroservice } from '@nestjs/common';
import { loadRuntimeConfig } from '@tollgate/application';
import { commandSubjects, type RecordedEvent } from '@tollgate/contracts';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { DomainError } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { waitFor } from '@tollgate/testing';
import { GatewayHttpServer, GatewayModule } from './index';

/**
 * The gateway over real HTTP, with a real in-process bus and an in-memory PGlite store: requests reach
 * services that answer on the bus (here, small stand-ins registered with `bus.reply`).
 */
describe('gateway HTTP API', () => {
  const bus = new InProcessBus({ requestTimeoutMs: 2_000 });
  let store: EventStore;
  let app: INestMicroservice;
  let base: string;
  const killRequests: unknown[] = [];
  const brokerSubmits: unknown[] = [];

  beforeAll(async () => {
    store = await createEventStore({ dataDir: 'memory://' });
    await bus.reply(commandSubjects.risk.kill, (payload: { scope: string }) => {
      killRequests.push(payload);
      return { scope: payload.scope, engaged: true, ordersToCancel: 0, changed: true };
    });
    await bus.reply(commandSubjects.simulatedExchange.submit, (payload) => void brokerSubmits.push(payload));
    await bus.reply(commandSubjects.proposals.approve, () => {
      throw new DomainError('PROPOSAL_NOT_PENDING', 'proposal p-1 was already rejected');
    });
    await bus.reply(commandSubjects.ledger.positions, () => new Promise(() => {}));
    app = await createServiceApp({
      serviceName: 'gateway',
      bus,
      eventStore: store,
      imports: [GatewayModule.forRoot(loadRuntimeConfig({ dataDir: 'memory://', httpPort: 0 }, {}), { queryTimeoutMs: 300 })],
      telemetry: { logLevel: 'error' },
    });
    base = app.get(GatewayHttpServer, { strict: false }).url;
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await bus.close();
  });

  beforeEach(() => {
    killRequests.length = 0;
    brokerSubmits.length = 0;
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('listens on loopback and reports its health with the store head', async () => {
    expect(new URL(base).hostname).toBe('127.0.0.1');
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as { status: string; bus: string; head: number; routes: Record<string, boolean> };
    expect(health).toMatchObject({ status: 'ok', bus: 'in-process', head: await store.headPosition() });
    expect(health.routes.engageKillSwitch).toBe(true);
  });

  it('forwards a command over the bus with the operator from X-Tollgate-Actor and returns the reply', async () => {
    const response = await post('/api/commands/risk/kill', { scope: 'symbol:AAPL', reason: 'halted at the venue' }, { 'X-Tollgate-Actor': 'user:alice' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ scope: 'symbol:AAPL', engaged: true, ordersToCancel: 0, changed: true });
    expect(killRequests).toEqual([{ scope: 'symbol:AAPL', reason: 'halted at the venue', actor: 'user:alice' }]);
  });

  it('engages the kill switch from its friendly route, as user:local when no operator is named', async () => {
    const response = await post('/api/kill-switch/engage', { reason: 'drill' });
    expect(response.status).toBe(200);
    expect(killRequests).toEqual([{ scope: 'all', reason: 'drill', actor: 'user:local' }]);
  });

  it('refuses, with 404, subjects outside commandSubjects and the internal broker port, without touching the bus', async () => {
    const unknown = await post('/api/commands/risk/format-disk', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toContain('tollgate.cmd.risk.format-disk');

    const brokerPort = await post('/api/commands/simulated-exchange/submit', { clientOrderId: 'x' });
    expect(brokerPort.status).toBe(404);
    expect(brokerSubmits).toEqual([]);

    const listed = (await (await fetch(`${base}/api/commands`)).json()) as { commands: Array<{ subject: string }> };
    const subjects = listed.commands.map((command) => command.subject);
    expect(subjects).toContain(commandSubjects.risk.kill);
    expect(subjects).not.toContain(commandSubjects.simulatedExchange.submit);
    expect(subjects).not.toContain(commandSubjects.risk.checkOrder);
  });

  it('answers 400 naming each invalid field, and sends nothing', async () => {
    const response = await post('/api/kill-switch/engage', { scope: 'everything' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: string[] };
    expect(body.issues.map((issue) => issue.split(':')[0])).toEqual(expect.arrayContaining(['scope', 'reason']));
    expect(body.error).toMatch(/^kill switch request was invalid: .*scope: must be a scope/);
    expect(killRequests).toEqual([]);
  });

  it('refuses an actor in the body that is not the operator, and a malformed operator header', async () => {
    const spoofed = await post('/api/commands/risk/kill', { reason: 'x', actor: 'user:bob' }, { 'X-Tollgate-Actor': 'user:alice' });
    expect(spoofed.status).toBe(400);
    expect(((await spoofed.json()) as { error: string }).error).toContain('actor:');

    const malformed = await post('/api/kill-switch/engage', { reason: 'x' }, { 'X-Tollgate-Actor': 'system:risk' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toContain('X-Tollgate-Actor');
    expect(killRequests).toEqual([]);
  });

  it('maps bus failures to 503, 504 and 422, naming the service and the subject', async () => {
    const missing = await fetch(`${base}/api/state`);
    expect(missing.status).toBe(503);
    expect(await missing.json()).toMatchObject({ service: 'risk', subject: commandSubjects.risk.state });

    const slow = await fetch(`${base}/api/positions`);
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ service: 'ledger', subject: commandSubjects.ledger.positions });

    const refused = await post('/api/proposals/p-1/approve', {});
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ service: 'proposals', subject: commandSubjects.proposals.approve, code: 'PROPOSAL_NOT_PENDING' });
  });

  it('refuses requests that a web page could forge: a foreign Host, a body that is not JSON', async () => {
    const { port } = new URL(base);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/api/health', headers: { host: 'attacker.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(421);

    const form = await fetch(`${base}/api/kill-switch/engage`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"reason":"x"}' });
    expect(form.status).toBe(415);
    expect(killRequests).toEqual([]);
  });

  it('pages through the store with after and limit', async () => {
    const ids = await appendNotes(3);
    const head = await store.headPosition();
    const page = (await (await fetch(`${base}/api/events?after=${head - 3}&limit=2`)).json()) as { events: RecordedEvent[]; next: number; head: number };
    expect(page.events.map((event) => event.id)).toEqual(ids.slice(0, 2));
    expect(page.head).toBe(head);
    const rest = (await (await fetch(`${base}/api/events?after=${page.next}&limit=2`)).json()) as { events: RecordedEvent[] };
    expect(rest.events.map((event) => event.id)).toEqual(ids.slice(2));

    const bad = await fetch(`${base}/api/events?limit=5000`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('limit:');
  });

  it('streams an appended event live over Server-Sent Events, and resumes after Last-Event-ID', async () => {
    const live = await openStream(`${base}/api/events/stream`);
    try {
      await live.waitFor((text) => text.includes('streaming events after position'));
      const [id] = await appendNotes(1);
      const event = await live.nextEvent((candidate) => candidate.id === id);
      expect(event.type).toBe('OperatorNote');
      expect(live.ids()).toContain(String(event.position));

      const [later] = await appendNotes(1);
      const resumed = await openStream(`${base}/api/events/stream`, { 'Last-Event-ID': String(event.position) });
      try {
        const first = await resumed.nextEvent(() => true);
        expect(first.id).toBe(later);
      } finally {
        resumed.close();
      }
    } finally {
      live.close();
    }
  });

  async function appendNotes(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    const streamId = `note-${randomUUID()}`;
    await store.append(
      streamId,
      'no-stream',
      ids.map((id, index) => ({
        id,
        type: 'OperatorNote',
        data: { text: `note ${index}` },
        metadata: { correlationId: streamId, causationId: null, actor: 'user:test' },
        occurredAt: new Date().toISOString(),
      })),
    );
    return ids;
  }
});

/** Reads an SSE response as it arrives. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  let text = '';
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted by close()
    }
  })();
  const events = (): RecordedEvent[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as RecordedEvent);
  return {
    waitFor: (probe: (text: string) => boolean) => waitFor(() => probe(text), { what: 'the event stream' }),
    nextEvent: (match: (event: RecordedEvent) => boolean) => waitFor(() => events().find(match), { what: 'an event on the stream' }),
    ids: () => text.split('\n').filter((line) => line.startsWith('id: ')).map((line) => line.slice('id: '.length)),
    close: () => abort.abort(),
  };
}
