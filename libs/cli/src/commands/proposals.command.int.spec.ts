import type { INestMicroservice } from '@nestjs/common';
import { z } from 'zod';
import { loadRuntimeConfig } from '@tollgate/application';
import { commandSubjects, subjects, type BarMessage } from '@tollgate/contracts';
import { defaultInstruments } from '@tollgate/domain/instrument';
import { defaultFillModel } from '@tollgate/domain/simulated-exchange';
import { StrategyRegistry, type StrategyDefinition } from '@tollgate/domain/strategy';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { newId } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { GatewayHttpServer, GatewayModule } from '@tollgate/services/gateway';
import { parseProposalsConfig } from '@tollgate/services/proposals/proposals.config';
import type { ListProposalsResponse } from '@tollgate/services/proposals/proposals.commands';
import { ProposalsModule } from '@tollgate/services/proposals/proposals.module';
import { waitFor } from '@tollgate/testing';
import { main } from '../main';

/**
 * `tollgate proposals` against the real proposals service behind the embedded system's gateway (HTTP),
 * on an in-memory store; execution is a stand-in that accepts every order. A test strategy proposes a
 * long on every bar while flat.
 */
const everyBar: StrategyDefinition<Record<string, never>> = {
  name: 'every-bar',
  description: 'proposes a long on every bar while flat (tests only)',
  sourceHash: 'b'.repeat(64),
  parameters: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  createIndicators: () => ({ update: () => ({}) }),
  decide: ({ bar, position }) =>
    position ? [] : [{ side: 'buy', entryType: 'market', entryPrice: bar.close, stopPrice: bar.close.minus(1), targetPrice: null, rationale: { close: bar.close.toFixed() } }],
};

describe('tollgate proposals', () => {
  const bus = new InProcessBus({ requestTimeoutMs: 5_000 });
  const placed: Array<Record<string, unknown>> = [];
  let store: EventStore;
  let app: INestMicroservice;
  let url: string;

  beforeAll(async () => {
    store = await createEventStore({ dataDir: 'memory://' });
    await store.append('simexchange-default', 'no-stream', [
      {
        id: newId(),
        type: 'SimulatedAccountOpened',
        data: { accountId: 'default', currency: 'USD', initialCash: '100000', seed: 1, fillModel: defaultFillModel, instruments: defaultInstruments.slice(0, 2), openedAt: '2024-07-01T13:30:00.000Z' },
        metadata: { correlationId: 'spec', causationId: null, actor: 'system:spec' },
        occurredAt: '2024-07-01T13:30:00.000Z',
      },
    ]);
    await bus.reply(commandSubjects.execution.placeOrder, (request: Record<string, unknown>) => {
      placed.push(request);
      return { orderId: '00000000-0000-8000-8000-000000000001', clientOrderId: 'c-1', status: 'Accepted', dryRun: false };
    });
    const runtime = loadRuntimeConfig({ dataDir: 'memory://', httpPort: 0, symbols: ['SPY', 'QQQ'] }, {});
    const config = parseProposalsConfig({ strategies: [{ name: 'every-bar' }], proposals: { expiresAfterMinutes: 600 } }, { registry: new StrategyRegistry([everyBar as StrategyDefinition]), symbols: ['SPY', 'QQQ'] });
    app = await createServiceApp({
      serviceName: 'tollgate',
      bus,
      eventStore: store,
      // The stand-in execution writes no order events: the service stops waiting for them quickly.
      imports: [GatewayModule.forRoot(runtime), ProposalsModule.forRoot(runtime, { config, expirySweepIntervalMs: 0, readYourWritesTimeoutMs: 200 })],
      telemetry: { logLevel: 'error' },
    });
    url = app.get(GatewayHttpServer, { strict: false }).url;
    for (const symbol of ['SPY', 'QQQ']) bus.publish(subjects.bar(symbol), bar(symbol));
    await waitFor(async () => (await bus.request<ListProposalsResponse>(commandSubjects.proposals.list, {})).proposals.length === 2, { what: 'two pending proposals' });
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await bus.close();
  });

  function bar(symbol: string): BarMessage {
    return { timestamp: '2024-07-01T14:31:00.000Z', symbol, open: '100', high: '100', low: '100', close: '100', volume: '1000' };
  }

  async function tollgate(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const previous = process.exitCode;
    process.exitCode = 0;
    try {
      await main(['node', 'tollgate', ...args, '--url', url]);
      return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.exitCode = previous;
    }
  }

  async function pendingId(symbol: string): Promise<string> {
    const listed = JSON.parse((await tollgate('proposals', 'list', '--json')).stdout) as ListProposalsResponse;
    return listed.proposals.find((proposal) => proposal.symbol === symbol)!.proposalId;
  }

  it('lists pending proposals as a table, and as JSON with --json', async () => {
    const table = await tollgate('proposals', 'list');
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+STRATEGY\s+SYMBOL\s+SIDE\s+QTY\s+ENTRY\s+STOP\s+TARGET\s+CREATED\s+EXPIRES\s+DECIDED BY\s+OUTCOME$/);
    expect(lines.slice(1).filter((line) => / pending +every-bar /.test(line))).toHaveLength(2);
    const json = JSON.parse((await tollgate('proposals', 'list', '--json')).stdout) as ListProposalsResponse;
    expect(json.proposals.map((proposal) => proposal.symbol).sort()).toEqual(['QQQ', 'SPY']);
  });

  it('approves as the person at the keyboard and reports the order the proposal became', async () => {
    const id = await pendingId('SPY');
    const approved = await tollgate('proposals', 'approve', id, '--reason', 'cli spec');
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`proposal ${id} \\(every-bar buy \\d+ SPY market ~100, stop 99\\) was approved by user:\\S+; order 00000000-0000-8000-8000-000000000001 is Accepted`));
    expect(placed).toEqual([expect.objectContaining({ intentKind: 'proposal', symbol: 'SPY', side: 'buy', strategy: 'every-bar', autoApproved: false })]);
    expect(String(placed[0]!.actor)).toMatch(/^user:/);
  });

  it('rejects with a reason, and a second decision fails with one line naming the rule', async () => {
    const id = await pendingId('QQQ');
    const rejected = await tollgate('proposals', 'reject', id, '--reason', 'not now', '--json');
    expect(JSON.parse(rejected.stdout)).toMatchObject({ proposal: { proposalId: id, status: 'rejected', reason: 'not now' } });
    const again = await tollgate('proposals', 'approve', id);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^tollgate: .*PROPOSAL_NOT_PENDING: proposal \S+ cannot be approved: it is rejected \(DomainError\)\n$/);
    expect(placed).toHaveLength(1);
  });
});
