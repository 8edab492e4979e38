import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ACTOR_HEADER, operatorOf } from './operator-identity';

/** The operator a request acts for, from the X-Tollgate-Actor header (default `user:local`). */
export const Operator = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  operatorOf(context.switchToHttp().getRequest<Request>().headers[ACTOR_HEADER.toLowerCase()]),
);
