import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { subjects } from '@tollgate/contracts';
import { connectNatsBus } from '@tollgate/messaging';
import { readSpanFile, type SpanRecord } from '@tollgate/telemetry';
import { NATS_TEST_URL, waitFor } from '@tollgate/testing';
import { pingSubject } from './e2e/report';

const root = join(__dirname, '../../..');

interface Service {
  process: ChildProcess;
  reports: Array<Record<string, unknown>>;
  spanFile: string;
}

/**
 * Two Nest applications in two OS processes, on the real NATS server: alpha sends beta a command
 * (request/reply through a ClientProxy); beta appends an event and its relay publishes it to JetStream;
 * alpha's durable consumer receives it. The spans both processes export must form one trace.
 */
describe('two services over NATS', () => {
  const namespace = `e2e_${randomBytes(5).toString('hex')}`;
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
  const services: Service[] = [];

  function start(name: 'alpha' | 'beta'): Service {
    const spanFile = join(directory, `${name}.spans.jsonl`);
    const child = spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(__dirname, `e2e/${name}.service.ts`)], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: NATS_TEST_URL,
        TOLLGATE_NATS_NAMESPACE: namespace,
        TOLLGATE_SPAN_FILE: spanFile,
        TOLLGATE_LOG_LEVEL: 'warn',
        DATABASE_URL: '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const service: Service = { process: child, reports: [], spanFile };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.e2e) service.reports.push(parsed);
        else process.stdout.write(`${name}: ${line}\n`);
      } catch {
        process.stdout.write(`${name}: ${line}\n`);
      }
    });
    services.push(service);
    return service;
  }

  afterAll(async () => {
    await Promise.all(
      services.map(async ({ process: child }) => {
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }),
    );
    const bus = await connectNatsBus({ url: NATS_TEST_URL, namespace });
    await bus.deleteEventStream();
    await bus.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('exchange a command and an event, and one trace links both processes', async () => {
    const beta = start('beta');
    await waitFor(() => beta.reports.some((line) => line.ready === 'beta'), { timeoutMs: 60_000, what: 'beta to listen' });
    const alpha = start('alpha');

    const replied = await waitFor(() => alpha.reports.find((line) => line.reply), { timeoutMs: 60_000, what: "alpha to get beta's reply" });
    const reply = replied.reply as { pong: string; eventId: string };
    expect(reply.pong).toBe('hello');
    const received = await waitFor(() => alpha.reports.find((line) => line.event), { timeoutMs: 30_000, what: "alpha to receive beta's event" });
    const event = received.event as { id: string; type: string; subject: string; attempt: number };
    expect(event).toEqual({ id: reply.eventId, type: 'OperatorNote', subject: subjects.event('beta', 'OperatorNote'), attempt: 1 });

    const traceId = replied.traceId as string;
    expect(received.traceId).toBe(traceId);

    const spans = await waitFor(
      () => {
        const all = [...readSpanFile(alpha.spanFile), ...readSpanFile(beta.spanFile)].filter((span) => span.traceId === traceId);
        return all.some((span) => span.kind === 'consumer') && all.some((span) => span.kind === 'producer') ? all : undefined;
      },
      { timeoutMs: 10_000, what: 'both span files to hold the trace' },
    );
    const one = (service: string, kind: SpanRecord['kind'], name: string) => {
      const matching = spans.filter((span) => span.service === service && span.kind === kind && span.name === name);
      expect(matching).toHaveLength(1);
      return matching[0]!;
    };
    const rootSpan = one('alpha', 'internal', 'alpha places order');
    const request = one('alpha', 'client', `send ${pingSubject}`);
    const handling = one('beta', 'server', `process ${pingSubject}`);
    const publish = one('beta', 'producer', `publish ${subjects.event('beta', 'OperatorNote')}`);
    const consume = one('alpha', 'consumer', `process ${subjects.event('beta', 'OperatorNote')}`);

    expect(rootSpan.spanId).toBe(replied.rootSpanId);
    expect(rootSpan.parentSpanId).toBeUndefined();
    expect(request.parentSpanId).toBe(rootSpan.spanId);
    // Across processes: NATS request headers carry the client span to beta's handler.
    expect(handling.parentSpanId).toBe(request.spanId);
    // The event's metadata carries the handler's span to the relay's publish, and JetStream headers to alpha.
    expect(publish.parentSpanId).toBe(handling.spanId);
    expect(publish.attributes['messaging.message.id']).toBe(reply.eventId);
    expect(consume.parentSpanId).toBe(publish.spanId);
    expect(consume.attributes['messaging.message.id']).toBe(reply.eventId);
  }, 150_000);
});
