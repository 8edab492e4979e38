import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { toWireError, type WireError } from '@tollgate/messaging';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter turns every non-RpcException into "Internal server error"; callers need the
 * real name, code and message (e.g. a DomainError's code) to act on, so handler errors cross as they are.
 */
@Catch()
export class BusExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<WireError> {
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (typeof error === 'string') return throwError(() => ({ name: 'RpcException', message: error }));
      const fields = error as Partial<WireError>;
      const wire: WireError = {
        name: typeof fields.name === 'string' ? fields.name : 'RpcException',
        message: typeof fields.message === 'string' ? fields.message : exception.message,
      };
      if (typeof fields.code === 'string') wire.code = fields.code;
      if (fields.details !== undefined) wire.details = fields.details;
      return throwError(() => wire);
    }
    return throwError(() => toWireError(exception));
  }
}
