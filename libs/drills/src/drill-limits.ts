import { commandSubjects } from '@tollgate/contracts';
import { drillPeople, type DrillContext } from './drill';

/** The limits document as JSON (what `tollgate limits set --file` sends). */
export interface DrillAccountLimits {
  modes: Record<string, unknown>;
  symbols?: Record<string, unknown>;
  restrictedSymbols: string[];
  shortSale: { permitted: boolean };
  exposure: Record<string, unknown> & { sectors: Record<string, string> };
  throttles: {
    submits: { perSecond: number; perMinute: number };
    replaces: { perSecond: number; perMinute: number };
    maxOpenOrders: number;
    duplicateWindowMs: number;
    cumulativeWindowMs: number;
    repeatedExecution: { maxFills: number; windowMs: number };
  };
  breakers: Record<string, unknown>;
  autoMode?: Record<string, unknown>;
}

export interface DrillLimits {
  schemaVersion: 1;
  instrumentDefaults: { maxOrderQuantity: string; maxOrderNotional: string; maxPositionQuantity: string; maxSymbolNotional: string; collar: { percent: string; ticks?: number; maxReferenceAgeMs: number } };
  symbols: Record<string, unknown>;
  sectors: Record<string, string>;
  accounts: Record<string, DrillAccountLimits>;
}

/** Generous limits for the drill's account, so each drill tightens only the control it exercises. */
export function drillLimits(accountId: string, adjust: (limits: DrillLimits, account: DrillAccountLimits) => void = () => undefined): DrillLimits {
  const account: DrillAccountLimits = {
    modes: { SIMULATED: { strategies: '*', symbols: '*', manualOrders: true } },
    restrictedSymbols: [],
    shortSale: { permitted: true },
    exposure: { maxGrossNotional: '10000000', maxNetNotional: '10000000', maxPositions: 100, maxPositionShareOfEquity: '1', sectors: {} },
    throttles: {
      submits: { perSecond: 10_000, perMinute: 100_000 },
      replaces: { perSecond: 10_000, perMinute: 100_000 },
      maxOpenOrders: 1_000,
      duplicateWindowMs: 1_000,
      cumulativeWindowMs: 0,
      repeatedExecution: { maxFills: 1_000, windowMs: 60_000 },
    },
    breakers: { dailyLoss: { maxLoss: '100000', action: 'HALTED' } },
  };
  const limits: DrillLimits = {
    schemaVersion: 1,
    instrumentDefaults: { maxOrderQuantity: '10000', maxOrderNotional: '2000000', maxPositionQuantity: '100000', maxSymbolNotional: '5000000', collar: { percent: '10', ticks: 5, maxReferenceAgeMs: 60_000 } },
    symbols: {},
    sectors: {},
    accounts: { [accountId]: account },
  };
  adjust(limits, account);
  return limits;
}

/** Applies limits as a risk officer would (`tollgate limits set`), and waits for the event. */
export async function applyDrillLimits(context: DrillContext, limits: DrillLimits, reason: string): Promise<void> {
  await context.request(commandSubjects.risk.limitsSet, { limits, reason, actor: drillPeople.riskOfficer, role: 'risk' });
}
