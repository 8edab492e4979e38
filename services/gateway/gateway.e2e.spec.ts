import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadRuntimeConfig } from '@tollgate/application';
import { commandSubjects } from '@tollgate/contracts';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { InProcessBus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { waitFor } from '@tollgate/testing';
import { GatewayHttpServer, GatewayModule } from './index';

const CHROMIUM = '/usr/bin/chromium';

/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the gateway on a
 * real in-process bus and an in-memory store; the services behind it are stand-ins answering on the bus.
 */
describe('dashboard in a browser', () => {
  const bus = new InProcessBus({ requestTimeoutMs: 2_000 });
  const kills: Array<Record<string, unknown>> = [];
  const pageErrors: string[] = [];
  let store: EventStore;
  let app: INestMicroservice;
  let base: string;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    store = await createEventStore({ dataDir: 'memory://' });
    await bus.reply(commandSubjects.risk.kill, (payload: Record<string, unknown>) => {
      kills.push(payload);
      return { scope: payload.scope, engaged: true, ordersToCancel: 3, changed: true };
    });
    await bus.reply(commandSubjects.risk.state, () => ({
      accountId: 'default',
      mode: 'SIMULATED',
      tradingStates: [{ scope: 'account:default', status: 'ACTIVE', cause: 'start', since: null }],
      killSwitches: kills.map((kill) => ({ scope: kill.scope, actor: kill.actor, reason: kill.reason, at: new Date().toISOString() })),
      breakers: [],
      autoMode: { status: 'off' },
      workingOrders: 1,
      equity: '100012.50',
    }));
    await bus.reply(commandSubjects.ledger.positions, () => ({
      positions: [{ symbol: 'AAPL', quantity: '10', averagePrice: '190.10', realizedPnl: '0', unrealizedPnl: '12.50', fees: '1', openLots: [] }],
      totals: { realizedPnl: '0', unrealizedPnl: '12.50', fees: '1', netPnl: '11.50' },
      account: { initialCash: '100000', cash: '98098', equity: '100012.50' },
    }));
    await bus.reply(commandSubjects.execution.listOrders, () => [
      { orderId: 'o-1', symbol: 'MSFT', side: 'buy', type: 'limit', limitPrice: '400.00', quantity: '5', filledQuantity: '0', status: 'Accepted' },
    ]);
    await bus.reply(commandSubjects.proposals.list, () => [
      { proposalId: 'p-1', status: 'pending', symbol: 'QQQ', side: 'buy', quantity: '3', entryType: 'limit', entryPrice: '401.20', stopPrice: '395.00', strategy: 'trend', expiresAt: new Date(Date.now() + 60_000).toISOString() },
    ]);
    app = await createServiceApp({
      serviceName: 'gateway',
      bus,
      eventStore: store,
      imports: [GatewayModule.forRoot(loadRuntimeConfig({ dataDir: 'memory://', httpPort: 0 }, {}))],
      telemetry: { logLevel: 'error' },
    });
    base = app.get(GatewayHttpServer, { strict: false }).url;

    profile = mkdtempSync(join(tmpdir(), 'tollgate-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // A Content-Security-Policy violation is only reported on the console.
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await store?.close();
    await bus.close();
  });

  it('shows the panels, tails events live, and sends the kill switch with the reason typed in', async () => {
    await page.goto(base);
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.locator('#positions td', { hasText: 'AAPL' }).waitFor();
    await page.locator('#orders td', { hasText: 'MSFT' }).waitFor();
    await page.locator('#proposals button', { hasText: 'Approve' }).waitFor();

    const streamId = `note-${randomUUID()}`;
    await store.append(streamId, 'no-stream', [
      {
        id: randomUUID(),
        type: 'OperatorNote',
        data: { text: 'seen in the browser' },
        metadata: { correlationId: streamId, causationId: null, actor: 'user:e2e' },
        occurredAt: new Date().toISOString(),
      },
    ]);
    await page.locator('#events tr[data-type="OperatorNote"]', { hasText: streamId }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept('browser drill'));
    await page.locator('#kill-switch').click();

    await waitFor(() => kills.length === 1, { what: 'the kill command on the bus' });
    expect(kills[0]).toEqual({ scope: 'all', reason: 'browser drill', actor: 'user:local' });
    await page.locator('#notice', { hasText: 'Kill switch engaged on all: 3 resting orders to cancel' }).waitFor();
    await page.locator('#state td', { hasText: 'browser drill' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
