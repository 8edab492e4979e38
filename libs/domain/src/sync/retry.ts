/**
 * How often and how patiently a failed broker query is asked again before the sync gives up and
 * records SyncFailed. Pure: the caller supplies the random sample, so a test (or a replay) is exact.
 */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** ±fraction of the delay, drawn from the caller's sample so retries of many clients spread out. */
  jitter: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 250, maxDelayMs: 8_000, multiplier: 2, jitter: 0.2 };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * After `attemptsMade` failed attempts: wait and retry, or give up. `sample` is a number in [0, 1).
 */
export function nextRetry(policy: RetryPolicy, attemptsMade: number, sample: number): RetryDecision {
  if (attemptsMade >= policy.maxAttempts) return { retry: false };
  const base = Math.min(policy.initialDelayMs * policy.multiplier ** Math.max(0, attemptsMade - 1), policy.maxDelayMs);
  const clampedSample = Math.min(Math.max(sample, 0), 1);
  const factor = 1 - policy.jitter + 2 * policy.jitter * clampedSample;
  return { retry: true, delayMs: Math.round(Math.min(base * factor, policy.maxDelayMs)) };
}

export function validateRetryPolicy(policy: RetryPolicy): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) problems.push(`maxAttempts must be a whole number ≥ 1, was ${policy.maxAttempts}`);
  if (policy.initialDelayMs < 0) problems.push(`initialDelayMs must be ≥ 0, was ${policy.initialDelayMs}`);
  if (policy.maxDelayMs < policy.initialDelayMs) problems.push(`maxDelayMs (${policy.maxDelayMs}) must be ≥ initialDelayMs (${policy.initialDelayMs})`);
  if (policy.multiplier < 1) problems.push(`multiplier must be ≥ 1, was ${policy.multiplier}`);
  if (policy.jitter < 0 || policy.jitter >= 1) problems.push(`jitter must be in [0, 1), was ${policy.jitter}`);
  return problems;
}
