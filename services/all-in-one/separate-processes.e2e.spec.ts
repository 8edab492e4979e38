import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { commandSubjects } from '@tollgate/contracts';
import { connectNatsBus, type NatsBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
// Test code uses the shared test servers and waitFor (CONTRIBUTING-helpers.md); the platform tag rule targets runtime code.
 
import { createTestDatabase, NATS_TEST_URL, waitFor, type TestDatabase } from '@tollgate/testing';
import type { ExecutionStatus, OrderView, PlaceOrderResponse } from '../execution/execution.commands';
import type { PositionsResponse } from '../ledger/ledger.commands';
import type { MarketDataStatus } from '../market-data/market-data.commands';

const root = join(__dirname, '../..');

/**
 * The trading core as four OS processes — `tollgate service market-data | simulated-exchange | execution |
 * ledger` — on the real NATS server and a fresh PostgreSQL database, the production shape. An order sent
 * over NATS is filled by the simulated exchange and shows up in the ledger.
 */
describe('the trading core as separate processes over NATS and PostgreSQL', () => {
  const namespace = `e2e_core_${randomBytes(5).toString('hex')}`;
  const children: ChildProcess[] = [];
  let database: TestDatabase;
  let bus: NatsBus;

  function start(name: string): ChildProcess {
    const child = spawn(process.execPath, [join(root, 'bin/tollgate.js'), 'service', name], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: NATS_TEST_URL,
        TOLLGATE_NATS_NAMESPACE: namespace,
        DATABASE_URL: database.url,
        TOLLGATE_SPEED: '3000',
        TOLLGATE_RISK_SERVICE: 'absent',
        TOLLGATE_SEED: '11',
        TOLLGATE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(`${name}: ${chunk.toString()}`));
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`${name}: ${chunk.toString()}`));
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    database = await createTestDatabase('tollgate_core_e2e');
    bus = await connectNatsBus({ url: NATS_TEST_URL, namespace, logger: createLogger({ serviceName: 'e2e', level: 'silent' }) });
  });

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        // `tollgate service` exits within its shutdown grace on SIGTERM; a process that does not is killed.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await bus?.deleteEventStream().catch(() => undefined);
    await bus?.close();
    await database?.drop();
  });

  it('fills an order placed over NATS and records the position in the ledger', async () => {
    // The exchange first: execution's start-up recovery asks it for fills.
    start('simulated-exchange');
    start('ledger');
    start('execution');
    start('market-data');
    await waitFor(() => bus.request<ExecutionStatus>(commandSubjects.execution.status, {}, { timeoutMs: 1_000 }).then((status) => status.ready, () => false), {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'execution to be up and recovered',
    });
    await waitFor(() => bus.request<MarketDataStatus>(commandSubjects.marketData.status, {}, { timeoutMs: 1_000 }).then((status) => status.published.quotes > 0, () => false), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'quotes to flow',
    });

    const placed = await bus.request<PlaceOrderResponse>(
      commandSubjects.execution.placeOrder,
      { intentId: `manual-e2e-${namespace}`, intentKind: 'manual', actor: 'user:e2e', symbol: 'AAPL', side: 'buy', quantity: '12' },
      { timeoutMs: 15_000 },
    );
    expect(placed.status).not.toBe('Denied');
    const order = await waitFor(
      async () => {
        const view = await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId });
        return view.status === 'Filled' ? view : undefined;
      },
      { timeoutMs: 30_000, what: 'the order to fill' },
    );
    const positions = await waitFor(
      async () => {
        const answer = await bus.request<PositionsResponse>(commandSubjects.ledger.positions, {});
        return answer.positions.find((position) => position.symbol === 'AAPL' && position.quantity === '12') ? answer : undefined;
      },
      { timeoutMs: 30_000, what: 'the ledger to hold the position' },
    );
    const aapl = positions.positions.find((position) => position.symbol === 'AAPL')!;
    expect(aapl.fees).toBe(order.fees);
    expect(Number(aapl.averagePrice)).toBeCloseTo(Number(order.averageFillPrice), 8);
    const exchangePositions = await bus.request<Array<{ symbol: string; quantity: string }>>(commandSubjects.simulatedExchange.positions, {});
    expect(exchangePositions).toEqual([expect.objectContaining({ symbol: 'AAPL', quantity: '12' })]);
  }, 180_000);
});
