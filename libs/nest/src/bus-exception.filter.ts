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
      const wire: WireError =
        typeof error === 'string' ? { name: 'RpcException', message: error } : { name: 'RpcException', message: exception.message, ...toWireError(error) };
      return throwError(() => wire);
    }
    return throwError(() => toWireError(exception));
  }
}
