/** A rule of the domain said no. `code` is stable; the message says what was wrong. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(readonly code: string, message: string, readonly context: Record<string, unknown> = {}) {
    super(`${code}: ${message}`);
  }
}

/** Bad input at a boundary (HTTP body, NATS message, CSV row, config file, broker response). */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly source: string, readonly issues: string[]) {
    super(`${source} was invalid: ${issues.join('; ')}`);
  }
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
