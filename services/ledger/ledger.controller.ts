import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import { barMessage, quoteMessage, subjects } from '@tollgate/contracts';
import { equityCurveRequest, ledgerSubjects, positionsRequest, type EquityPointView, type PositionsResponse } from './ledger.commands';
import { LedgerHandlers } from './ledger.handlers';

/** The ledger on the bus: position and P&L queries, and the market data it marks positions with. */
@Controller()
export class LedgerController {
  constructor(private readonly ledger: LedgerHandlers) {}

  @MessagePattern(ledgerSubjects.positions)
  positions(@Payload() body: unknown): PositionsResponse {
    return this.ledger.positions(parseInput(positionsRequest, body ?? {}, 'positions request').symbol);
  }

  @MessagePattern(ledgerSubjects.equityCurve)
  equityCurve(@Payload() body: unknown): EquityPointView[] {
    return this.ledger.equityCurve(parseInput(equityCurveRequest, body ?? {}, 'equity-curve request').limit);
  }

  @EventPattern(subjects.allQuotes)
  onQuote(@Payload() body: unknown): void {
    this.ledger.onQuote(parseInput(quoteMessage, body, 'quote'));
  }

  @EventPattern(subjects.allBars)
  onBar(@Payload() body: unknown): void {
    this.ledger.onBar(parseInput(barMessage, body, 'bar'));
  }
}
