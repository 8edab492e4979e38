import { z } from 'zod';
import { isDecimalString, isUuid } from '@tollgate/kernel';

/** Zod building blocks shared by every event and command schema. */
export const decimalString = z.string().refine(isDecimalString, { message: 'must be a decimal string like "12.34"' });
export const positiveDecimalString = decimalString.refine((value) => !value.startsWith('-') && !/^0(\.0+)?$/.test(value), {
  message: 'must be a positive decimal string',
});
export const uuid = z.string().refine(isUuid, { message: 'must be a UUID' });
export const isoTimestamp = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp with zone' });
/** An upper-case ticker (AAPL, BRK.B): the one rule for a symbol, wherever one is read. */
export const TICKER_PATTERN = /^[A-Z][A-Z0-9.]{0,9}$/;
export const symbol = z.string().regex(TICKER_PATTERN, 'must be an upper-case ticker like "AAPL"');

export const orderSide = z.enum(['buy', 'sell', 'sell_short', 'buy_to_cover']);
export const orderType = z.enum(['market', 'limit', 'stop', 'stop_limit']);
export const timeInForce = z.enum(['day', 'gtc', 'ioc']);
export const tradingMode = z.enum(['SIMULATED', 'SANDBOX_PAPER', 'LIVE']);

/** Renders zod issues as `path: message`, the form every boundary reports. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}
