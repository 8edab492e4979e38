import { ApiError, FetchError } from '@alpacahq/alpaca-trade-api';
import { BrokerRejectedError, BrokerUnavailableError } from '@tollgate/contracts';

/** HTTP statuses after which the request may or may not have taken effect: ask again, never assume. */
const OUTCOME_UNKNOWN = new Set([408, 425, 429]);

/**
 * Maps an SDK failure to the port's two errors. Only an answer from the venue that says no is a
 * rejection; a time-out, a dropped connection, a 5xx, a 429 or anything unexpected (including a
 * response we could not read) leaves the outcome unknown.
 */
export function toBrokerError(broker: string, operation: string, error: unknown): BrokerRejectedError | BrokerUnavailableError {
  if (error instanceof BrokerRejectedError || error instanceof BrokerUnavailableError) return error;
  if (error instanceof ApiError) {
    if (error.status >= 500 || OUTCOME_UNKNOWN.has(error.status)) {
      return new BrokerUnavailableError(broker, operation, `HTTP ${error.status}: ${error.message}`, { cause: error });
    }
    return new BrokerRejectedError(broker, operation, `HTTP ${error.status}: ${error.message}`);
  }
  if (error instanceof FetchError) {
    const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause);
    return new BrokerUnavailableError(broker, operation, `${error.message} (${cause})`, { cause: error });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new BrokerUnavailableError(broker, operation, message, { cause: error });
}

export function isApiStatus(error: unknown, status: number): error is ApiError {
  return error instanceof ApiError && error.status === status;
}
