import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import { quoteMessage, subjects } from '@tollgate/contracts';
import { breakerSubjects, listBreakersRequest, resetBreakerRequest, type BreakerScopeView } from './circuit-breakers.commands';
import { CircuitBreakersHandlers } from './circuit-breakers.handlers';

/** The circuit breakers on the bus: list, reset, and the quotes that mark positions to market. */
@Controller()
export class CircuitBreakersController {
  constructor(private readonly breakers: CircuitBreakersHandlers) {}

  @MessagePattern(breakerSubjects.list)
  list(@Payload() body: unknown): BreakerScopeView[] {
    return this.breakers.list(parseInput(listBreakersRequest, body ?? {}, 'list-breakers request').scope);
  }

  @MessagePattern(breakerSubjects.reset)
  reset(@Payload() body: unknown): Promise<BreakerScopeView> {
    return this.breakers.reset(parseInput(resetBreakerRequest, body, 'reset-breaker request'));
  }

  @EventPattern(subjects.allQuotes)
  onQuote(@Payload() body: unknown): void {
    this.breakers.onQuote(parseInput(quoteMessage, body, 'quote'));
  }
}
