import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { parseInput } from '@tollgate/application';
import { CommandForwarder } from './command-forwarder';
import { operatorRoutes } from './control-surface';
import {
  cancelOrderBody,
  decisionBody,
  defined,
  engageKillSwitchBody,
  idParameter,
  listOrdersQuery,
  listProposalsQuery,
  placeOrderBody,
  releaseKillSwitchBody,
  resetBreakerBody,
} from './gateway.requests';
import { Operator } from './operator.decorator';

/**
 * The operator surface of issues 4 and 5 as plain routes: the same handlers the CLI reaches, each one a
 * request to the subject in `operatorRoutes`. A route whose service is not built yet answers 503.
 */
@Controller('api')
export class OperatorController {
  constructor(private readonly forwarder: CommandForwarder) {}

  @Get('orders')
  listOrders(@Query() query: unknown): Promise<unknown> {
    return this.forwarder.query(operatorRoutes.listOrders, defined(parseInput(listOrdersQuery, query, 'orders query')));
  }

  /** A manual order; give `intentId` to make a retry the same order rather than a second one. */
  @Post('orders')
  @HttpCode(200)
  placeOrder(@Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    const { intentId, ...order } = parseInput(placeOrderBody, body ?? {}, 'order');
    return this.forwarder.command(operatorRoutes.placeOrder, defined({ intentId: intentId ?? `manual-${randomUUID()}`, intentKind: 'manual', ...order }), actor);
  }

  @Post('orders/:orderId/cancel')
  @HttpCode(200)
  cancelOrder(@Param('orderId') orderId: string, @Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    const { reason } = parseInput(cancelOrderBody, body ?? {}, 'cancel request');
    return this.forwarder.command(operatorRoutes.cancelOrder, defined({ orderId: parseInput(idParameter, orderId, 'orderId'), reason }), actor);
  }

  @Get('positions')
  positions(): Promise<unknown> {
    return this.forwarder.query(operatorRoutes.positions);
  }

  /** Pending proposals by default; `?status=open|all` for more. */
  @Get('proposals')
  listProposals(@Query() query: unknown): Promise<unknown> {
    return this.forwarder.query(operatorRoutes.listProposals, defined(parseInput(listProposalsQuery, query, 'proposals query')));
  }

  @Post('proposals/:proposalId/approve')
  @HttpCode(200)
  approveProposal(@Param('proposalId') proposalId: string, @Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    const { reason } = parseInput(decisionBody, body ?? {}, 'approval');
    return this.forwarder.command(operatorRoutes.approveProposal, defined({ proposalId: parseInput(idParameter, proposalId, 'proposalId'), reason }), actor);
  }

  @Post('proposals/:proposalId/reject')
  @HttpCode(200)
  rejectProposal(@Param('proposalId') proposalId: string, @Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    const { reason } = parseInput(decisionBody, body ?? {}, 'rejection');
    return this.forwarder.command(operatorRoutes.rejectProposal, defined({ proposalId: parseInput(idParameter, proposalId, 'proposalId'), reason }), actor);
  }

  /** Blocks new orders in the scope (default `all`) and cancels its resting orders. */
  @Post('kill-switch/engage')
  @HttpCode(200)
  engageKillSwitch(@Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    return this.forwarder.command(operatorRoutes.engageKillSwitch, defined(parseInput(engageKillSwitchBody, body ?? {}, 'kill switch request')), actor);
  }

  @Post('kill-switch/release')
  @HttpCode(200)
  releaseKillSwitch(@Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    return this.forwarder.command(operatorRoutes.releaseKillSwitch, defined(parseInput(releaseKillSwitchBody, body ?? {}, 'kill switch release')), actor);
  }

  /** Trading state of every scope (ACTIVE, REDUCING, HALTED) and the kill switches in force. */
  @Get('state')
  tradingState(): Promise<unknown> {
    return this.forwarder.query(operatorRoutes.tradingState);
  }

  @Get('breakers')
  listBreakers(): Promise<unknown> {
    return this.forwarder.query(operatorRoutes.listBreakers);
  }

  @Post('breakers/:breaker/reset')
  @HttpCode(200)
  resetBreaker(@Param('breaker') breaker: string, @Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    const reset = parseInput(resetBreakerBody, body ?? {}, 'breaker reset');
    return this.forwarder.command(operatorRoutes.resetBreaker, defined({ breaker: parseInput(idParameter, breaker, 'breaker'), ...reset }), actor);
  }
}
