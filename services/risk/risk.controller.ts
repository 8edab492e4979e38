import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { parseInput } from '@tollgate/application';
import { quoteMessage, riskCheckRequest, subjects, type RiskCheckResponse } from '@tollgate/contracts';
import {
  autoModeOffRequest,
  autoModeOnRequest,
  emergencyStopRequest,
  emergencyStopStatusRequest,
  enableStrategyRequest,
  killRequest,
  limitsSetRequest,
  overrideApproveRequest,
  overrideRequestRequest,
  recordDrillRequest,
  releaseRequest,
  riskSubjects,
  setTradingStateRequest,
  type EmergencyStopView,
  type KillResponse,
  type LimitsView,
  type OverrideView,
  type ReleaseResponse,
  type RiskStateView,
} from './risk.commands';
import { RiskHandlers } from './risk.handlers';

/** The risk service on the bus: validates each request, hands it to the handlers, answers with plain JSON. */
@Controller()
export class RiskController {
  constructor(private readonly risk: RiskHandlers) {}

  @MessagePattern(riskSubjects.checkOrder)
  checkOrder(@Payload() body: unknown): Promise<RiskCheckResponse> {
    return this.risk.check(parseInput(riskCheckRequest, body, 'risk check-order request'));
  }

  @MessagePattern(riskSubjects.kill)
  kill(@Payload() body: unknown): Promise<KillResponse> {
    return this.risk.kill(parseInput(killRequest, body, 'kill request'));
  }

  @MessagePattern(riskSubjects.release)
  release(@Payload() body: unknown): Promise<ReleaseResponse> {
    return this.risk.release(parseInput(releaseRequest, body, 'kill-switch release request'));
  }

  @MessagePattern(riskSubjects.state)
  state(): RiskStateView {
    return this.risk.state();
  }

  @MessagePattern(riskSubjects.setTradingState)
  setTradingState(@Payload() body: unknown): Promise<RiskStateView['tradingStates'][number]> {
    return this.risk.setTradingState(parseInput(setTradingStateRequest, body, 'set-trading-state request'));
  }

  @MessagePattern(riskSubjects.enableStrategy)
  enableStrategy(@Payload() body: unknown): Promise<{ strategy: string; status: string }> {
    return this.risk.enableStrategy(parseInput(enableStrategyRequest, body, 'enable-strategy request'));
  }

  @MessagePattern(riskSubjects.limitsShow)
  limitsShow(): LimitsView {
    return this.risk.limitsShow();
  }

  @MessagePattern(riskSubjects.limitsSet)
  limitsSet(@Payload() body: unknown): Promise<LimitsView> {
    return this.risk.limitsSet(parseInput(limitsSetRequest, body, 'limits-set request'));
  }

  @MessagePattern(riskSubjects.emergencyStop)
  emergencyStop(@Payload() body: unknown): Promise<EmergencyStopView> {
    return this.risk.emergencyStop(parseInput(emergencyStopRequest, body, 'emergency-stop request'));
  }

  @MessagePattern(riskSubjects.emergencyStopStatus)
  emergencyStopStatus(@Payload() body: unknown): EmergencyStopView[] {
    return this.risk.emergencyStopStatus(parseInput(emergencyStopStatusRequest, body ?? {}, 'emergency-stop-status request').stopId);
  }

  @MessagePattern(riskSubjects.overrideRequest)
  overrideRequest(@Payload() body: unknown): Promise<OverrideView> {
    return this.risk.overrideRequest(parseInput(overrideRequestRequest, body, 'override request'));
  }

  @MessagePattern(riskSubjects.overrideApprove)
  overrideApprove(@Payload() body: unknown): Promise<OverrideView> {
    return this.risk.overrideApprove(parseInput(overrideApproveRequest, body, 'override approval'));
  }

  @MessagePattern(riskSubjects.autoModeOn)
  autoModeOn(@Payload() body: unknown): Promise<RiskStateView['autoMode']> {
    return this.risk.autoModeOn(parseInput(autoModeOnRequest, body, 'auto-mode-on request'));
  }

  @MessagePattern(riskSubjects.autoModeOff)
  autoModeOff(@Payload() body: unknown): Promise<RiskStateView['autoMode']> {
    return this.risk.autoModeOff(parseInput(autoModeOffRequest, body, 'auto-mode-off request'));
  }

  @MessagePattern(riskSubjects.recordDrill)
  recordDrill(@Payload() body: unknown): Promise<{ recorded: true }> {
    return this.risk.recordDrill(parseInput(recordDrillRequest, body, 'record-drill request'));
  }

  @EventPattern(subjects.allQuotes)
  onQuote(@Payload() body: unknown): void {
    this.risk.onQuote(parseInput(quoteMessage, body, 'quote'));
  }
}
