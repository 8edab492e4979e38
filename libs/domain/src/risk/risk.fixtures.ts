/**
 * Builders for risk tests and drills: one account (ACC1) in SIMULATED with generous limits, so a
 * test tightens only the limit it is about.
 */
import type { z } from 'zod';
import { createEventRegistry, type riskLimitsSchema } from '@tollgate/contracts';
import { compileRiskLimits, parseRiskLimits } from './limits/limits';
import { RiskActivityLog } from './pre-trade/activity-log';
import type { OrderCheckRequest } from './pre-trade/request';
import { createRiskSnapshot, type RiskSnapshot, type RiskSnapshotInput } from './pre-trade/snapshot';

export type LimitsDocument = z.input<typeof riskLimitsSchema>;
export type AccountDocument = LimitsDocument['accounts'][string];

export const ACCOUNT = 'ACC1';
export const T0 = new Date('2026-03-02T15:00:00.000Z');

export function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

export function limitsDocument(adjust: (limits: LimitsDocument & { accounts: Record<string, AccountDocument> }) => void = () => undefined): LimitsDocument {
  const limits = {
    schemaVersion: 1 as const,
    instrumentDefaults: {
      maxOrderQuantity: '1000',
      maxOrderNotional: '1000000',
      maxPositionQuantity: '100000',
      maxSymbolNotional: '10000000',
      collar: { percent: '5', maxReferenceAgeMs: 5_000 },
    },
    symbols: {},
    sectors: { AAPL: 'technology', MSFT: 'technology', XOM: 'energy', CVX: 'energy' },
    accounts: {
      [ACCOUNT]: {
        modes: { SIMULATED: { strategies: '*' as const, symbols: '*' as const, manualOrders: true } },
        restrictedSymbols: [],
        shortSale: { permitted: true },
        exposure: { maxGrossNotional: '100000000', maxNetNotional: '100000000', maxPositions: 1000, maxPositionShareOfEquity: '1', sectors: {} },
        throttles: {
          submits: { perSecond: 10_000, perMinute: 100_000 },
          replaces: { perSecond: 10_000, perMinute: 100_000 },
          maxOpenOrders: 10_000,
          duplicateWindowMs: 1_000,
          cumulativeWindowMs: 0,
          repeatedExecution: { maxFills: 20, windowMs: 60_000 },
        },
        breakers: { dailyLoss: { maxLoss: '500', action: 'HALTED' as const } },
      } as AccountDocument,
    },
  };
  adjust(limits);
  return limits;
}

export function accountOf(limits: LimitsDocument): AccountDocument {
  return limits.accounts[ACCOUNT]!;
}

export function snapshotWith(input: Partial<Omit<RiskSnapshotInput, 'limits'>> & { limits?: LimitsDocument | null } = {}): RiskSnapshot {
  const document = input.limits === undefined ? limitsDocument() : input.limits;
  return createRiskSnapshot({
    accountId: ACCOUNT,
    mode: 'SIMULATED',
    equity: '10000000',
    buyingPower: '10000000',
    positions: [],
    workingOrders: [],
    referencePrices: {
      AAPL: { mid: '100', bid: '99.99', ask: '100.01', at: T0 },
      MSFT: { mid: '200', at: T0 },
      XOM: { mid: '50', at: T0 },
      CVX: { mid: '150', at: T0 },
      TSLA: { mid: '10', at: T0 },
    },
    instruments: {
      AAPL: { tickSize: '0.01', shortable: true },
      MSFT: { tickSize: '0.01', shortable: true },
      XOM: { tickSize: '0.01', shortable: true },
      CVX: { tickSize: '0.01', shortable: true },
      TSLA: { tickSize: '0.01', shortable: false },
    },
    activity: new RiskActivityLog(),
    ...input,
    limits: document === null ? null : compileRiskLimits(parseRiskLimits(document)),
  });
}

let sequence = 0;

export function order(overrides: Partial<OrderCheckRequest> = {}): OrderCheckRequest {
  sequence += 1;
  return {
    action: 'submit',
    accountId: ACCOUNT,
    strategy: 'momentum',
    intentId: `intent-${sequence}`,
    clientOrderId: `order-${sequence}`,
    symbol: 'AAPL',
    side: 'buy',
    type: 'limit',
    quantity: '100',
    limitPrice: '100',
    origin: 'strategy',
    autoApproved: false,
    at: T0,
    ...overrides,
  };
}

const registry = createEventRegistry();

/** Every event a decider returns must pass its registered schema, as the store will demand. */
export function expectValidEvents(events: ReadonlyArray<{ type: string; data: unknown }>): void {
  for (const event of events) registry.validate(event.type, undefined, event.data);
}
