import { z } from 'zod';
import { commandSubjects, symbol } from '@tollgate/contracts';

/** The regime service's queries (`commandSubjects.regime`). */
export const regimeSubjects = commandSubjects.regime;

export const regimeStatusRequest = z
  .object({
    /** Only this symbol. */
    symbol: symbol.optional(),
  })
  .strict();
export type RegimeStatusRequest = z.output<typeof regimeStatusRequest>;

/** One symbol's regime as the service sees it; statistics are decimal strings. */
export interface SymbolRegimeView {
  symbol: string;
  /** `stable`, or `suspected` while new proposals for the symbol wait. */
  status: 'stable' | 'suspected';
  /** The open suspicion, while suspected. */
  suspicion: { suspicionId: string; series: string; direction: string; statistic: string; threshold: string; detectedAt: string; barsSince: number } | null;
  confirmed: number;
  dismissed: number;
  lastConfirmedBreak: { suspicionId: string; series: string; breakAt: string; confirmedAt: string } | null;
  /** Returns the online detector has seen, and whether it is still warming up. */
  barsObserved: number;
  detector: 'warming-up' | 'monitoring';
  lastBarAt: string | null;
}

export interface RegimeStatusResponse {
  symbols: SymbolRegimeView[];
}
