import { ALPACA_ENVIRONMENT, loadAlpacaCredentials, type Environment } from './credentials';

export type TradingMode = 'SIMULATED' | 'SANDBOX_PAPER' | 'LIVE';

/** Where a configuration's broker variables point. */
export type BrokerTarget = 'none' | 'local-sandbox' | 'alpaca-paper' | 'alpaca-live' | 'unknown';

export interface BrokerConfigurationCheck {
  ok: boolean;
  target: BrokerTarget;
  /** One line per reason to refuse; names variables and hosts, never a key or a secret. */
  problems: string[];
}

const LIVE_HOST = 'api.alpaca.markets';
const PAPER_HOST = 'paper-api.alpaca.markets';
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/;

/**
 * C19, deploy and mode consistency: a dry run, a simulation or SANDBOX_PAPER that holds live
 * credentials (a live key id, or the live trading host) is refused at start, and so is a LIVE
 * configuration that points anywhere but the live host. Pure: it reads only `env`.
 *
 * Alpaca's key ids start with `PK` for paper accounts and `AK` for live ones; an id with neither
 * prefix is treated by its URL alone.
 */
export function checkBrokerConfiguration(mode: TradingMode, dryRun: boolean, env: Environment): BrokerConfigurationCheck {
  const problems: string[] = [];
  const baseUrl = env[ALPACA_ENVIRONMENT.baseUrl]?.trim() || undefined;
  const keyId = env[ALPACA_ENVIRONMENT.keyId]?.trim() || undefined;
  const hasSecret = Boolean(env[ALPACA_ENVIRONMENT.secret]?.trim());
  const target = classify(baseUrl);
  const host = baseUrl ? hostOf(baseUrl) : null;
  const keyIsLive = keyId?.startsWith('AK') ?? false;
  const keyIsPaper = keyId?.startsWith('PK') ?? false;
  const what = dryRun ? `a dry-run ${mode} configuration` : `a ${mode} configuration`;

  if (dryRun || mode !== 'LIVE') {
    if (target === 'alpaca-live') problems.push(`${what} points ${ALPACA_ENVIRONMENT.baseUrl} at the live host ${LIVE_HOST}`);
    if (keyIsLive) problems.push(`${what} holds a live key (${ALPACA_ENVIRONMENT.keyId} starts with AK)`);
  }
  if (baseUrl && target !== 'none' && host === null) problems.push(`${ALPACA_ENVIRONMENT.baseUrl} is not a URL`);

  if (mode === 'SANDBOX_PAPER') {
    if (!keyId) problems.push(`SANDBOX_PAPER needs ${ALPACA_ENVIRONMENT.keyId}`);
    if (!hasSecret) problems.push(`SANDBOX_PAPER needs ${ALPACA_ENVIRONMENT.secret}`);
    if (target === 'unknown' && host !== null) {
      problems.push(`SANDBOX_PAPER refuses ${ALPACA_ENVIRONMENT.baseUrl} host ${host}: only ${PAPER_HOST} or a local sandbox (localhost) are paper`);
    }
    if (target === 'alpaca-paper' && baseUrl && !baseUrl.startsWith('https://')) problems.push(`${ALPACA_ENVIRONMENT.baseUrl} for ${PAPER_HOST} must use https`);
  }

  if (mode === 'LIVE' && !dryRun) {
    if (!keyId) problems.push(`LIVE needs ${ALPACA_ENVIRONMENT.keyId}`);
    if (!hasSecret) problems.push(`LIVE needs ${ALPACA_ENVIRONMENT.secret}`);
    if (target !== 'alpaca-live') {
      problems.push(`LIVE needs ${ALPACA_ENVIRONMENT.baseUrl} set to https://${LIVE_HOST} explicitly (it is ${baseUrl ? `host ${host ?? 'unparseable'}` : 'not set'})`);
    } else if (!baseUrl!.startsWith('https://')) {
      problems.push(`${ALPACA_ENVIRONMENT.baseUrl} for ${LIVE_HOST} must use https`);
    }
    if (keyIsPaper) problems.push(`a LIVE configuration holds a paper key (${ALPACA_ENVIRONMENT.keyId} starts with PK)`);
  }

  return { ok: problems.length === 0, target: target === 'none' && mode === 'SANDBOX_PAPER' ? 'alpaca-paper' : target, problems };
}

function classify(baseUrl: string | undefined): BrokerTarget {
  if (!baseUrl) return 'none';
  const host = hostOf(baseUrl);
  if (host === null) return 'unknown';
  if (host === LIVE_HOST) return 'alpaca-live';
  if (host === PAPER_HOST) return 'alpaca-paper';
  if (LOOPBACK.test(host)) return 'local-sandbox';
  return 'unknown';
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** C19 refused the configuration: the problems name variables and hosts, never a key or a secret. */
export class BrokerConfigurationError extends Error {
  override name = 'BrokerConfigurationError';
  constructor(
    readonly mode: TradingMode,
    readonly check: BrokerConfigurationCheck,
  ) {
    super(`the ${mode} broker configuration was refused: ${check.problems.join('; ')}`);
  }
}

/**
 * The one gate in front of every broker connection (the order port and the market data alike): the
 * environment as the adapter will see it, accepted by `checkBrokerConfiguration` (C19), or a
 * `BrokerConfigurationError` naming variables and hosts, never a key or a secret.
 */
export function admitBrokerConfiguration(mode: TradingMode, dryRun: boolean, env: Environment): Environment {
  const effective = effectiveEnvironment(env);
  const check = checkBrokerConfiguration(mode, dryRun, effective);
  if (!check.ok) throw new BrokerConfigurationError(mode, check);
  return effective;
}

/**
 * The variables as the adapter will see them: with APCA_CREDENTIALS_FILE, the file's key id and base URL
 * count too (the environment wins), so a live key kept in a file is refused like one in the environment.
 */
function effectiveEnvironment(env: Environment): Environment {
  if (!env[ALPACA_ENVIRONMENT.file]?.trim()) return env;
  let credentials;
  try {
    credentials = loadAlpacaCredentials(env);
  } catch {
    return env; // the check names what is missing
  }
  return {
    ...env,
    [ALPACA_ENVIRONMENT.keyId]: credentials.keyId,
    [ALPACA_ENVIRONMENT.secret]: env[ALPACA_ENVIRONMENT.secret]?.trim() || '(from file)',
    [ALPACA_ENVIRONMENT.baseUrl]: env[ALPACA_ENVIRONMENT.baseUrl]?.trim() || credentials.baseUrl,
  };
}
