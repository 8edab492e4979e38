import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import { barMessage, subjects } from '@tollgate/contracts';
import { regimeStatusRequest, regimeSubjects, type RegimeStatusResponse } from './regime.commands';
import { RegimeHandlers } from './regime.handlers';

/** The regime service on the bus: every symbol's bars in, its regime out on request. */
@Controller()
export class RegimeController {
  constructor(private readonly regime: RegimeHandlers) {}

  @EventPattern(subjects.allBars)
  onBar(@Payload() body: unknown): Promise<void> {
    return this.regime.onBar(parseInput(barMessage, body, 'bar'));
  }

  @MessagePattern(regimeSubjects.status)
  status(@Payload() body: unknown): RegimeStatusResponse {
    return this.regime.status(parseInput(regimeStatusRequest, body ?? {}, 'regime status request').symbol);
  }
}
