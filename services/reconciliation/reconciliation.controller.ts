import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import {
  acknowledgeBreakRequest,
  reconcileRequest,
  reconciliationSubjects,
  resolveBreakRequest,
  type BreakChangeResponse,
  type ReconcileResponse,
  type ReconciliationStatusView,
} from './reconciliation.commands';
import { ReconciliationHandlers } from './reconciliation.handlers';

/** The sync + reconciliation service on the bus: validates each request and hands it to the handlers. */
@Controller()
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationHandlers) {}

  @MessagePattern(reconciliationSubjects.reconcile)
  reconcile(@Payload() body: unknown): Promise<ReconcileResponse> {
    return this.reconciliation.reconcile(parseInput(reconcileRequest, body, 'reconcile request'));
  }

  @MessagePattern(reconciliationSubjects.status)
  status(): ReconciliationStatusView {
    return this.reconciliation.status();
  }

  @MessagePattern(reconciliationSubjects.acknowledgeBreak)
  acknowledgeBreak(@Payload() body: unknown): Promise<BreakChangeResponse> {
    return this.reconciliation.acknowledgeBreak(parseInput(acknowledgeBreakRequest, body, 'acknowledge-break request'));
  }

  @MessagePattern(reconciliationSubjects.resolveBreak)
  resolveBreak(@Payload() body: unknown): Promise<BreakChangeResponse> {
    return this.reconciliation.resolveBreak(parseInput(resolveBreakRequest, body, 'resolve-break request'));
  }
}
