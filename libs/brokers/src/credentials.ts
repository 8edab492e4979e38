import { existsSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ValidationError } from '@tollgate/kernel';

/**
 * A secret that cannot end up in a log or an event by accident: printing, string interpolation,
 * JSON and `util.inspect` all show `[redacted]`. Only `reveal()` gives the value, for the SDK.
 */
export class SecretValue {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'SecretValue([redacted])';
  }
}

export interface AlpacaCredentials {
  baseUrl: string;
  keyId: string;
  secret: SecretValue;
  /** Where they came from (`environment`, or the file path), for messages; never the values. */
  source: string;
}

/** Alpaca's documented variables; the SDKs read the same names. */
export const ALPACA_ENVIRONMENT = {
  baseUrl: 'APCA_API_BASE_URL',
  keyId: 'APCA_API_KEY_ID',
  secret: 'APCA_API_SECRET_KEY',
  /** A file holding the three above (JSON object or KEY=VALUE lines), for secrets kept out of the environment. */
  file: 'APCA_CREDENTIALS_FILE',
} as const;

export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_URL = 'https://api.alpaca.markets';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the credentials from the environment, or from the file `APCA_CREDENTIALS_FILE` (or `file`)
 * names; a variable set in the environment wins over the file. Without a base URL, Alpaca's paper host
 * is used, as the SDKs do. Errors name the missing variable, never a value.
 */
export function loadAlpacaCredentials(env: Environment, file?: string): AlpacaCredentials {
  const path = file ?? env[ALPACA_ENVIRONMENT.file];
  const fromFile = path ? readCredentialsFile(path) : {};
  const pick = (name: string) => nonEmpty(env[name]) ?? nonEmpty(fromFile[name]);
  const keyId = pick(ALPACA_ENVIRONMENT.keyId);
  const secret = pick(ALPACA_ENVIRONMENT.secret);
  const missing = [
    ...(keyId ? [] : [`${ALPACA_ENVIRONMENT.keyId}: not set`]),
    ...(secret ? [] : [`${ALPACA_ENVIRONMENT.secret}: not set`]),
  ];
  if (missing.length > 0) throw new ValidationError(path ? `Alpaca credentials (environment and ${path})` : 'Alpaca credentials (environment)', missing);
  const baseUrl = (pick(ALPACA_ENVIRONMENT.baseUrl) ?? ALPACA_PAPER_URL).replace(/\/+$/, '').replace(/\/v2$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new ValidationError('Alpaca credentials', [`${ALPACA_ENVIRONMENT.baseUrl}: not a URL`]);
  }
  return { baseUrl, keyId: keyId!, secret: new SecretValue(secret!), source: path ? `environment and ${path}` : 'environment' };
}

function readCredentialsFile(path: string): Record<string, string> {
  if (!existsSync(path)) throw new ValidationError('Alpaca credentials file', [`${path}: does not exist`]);
  const text = readFileSync(path, 'utf8');
  if (text.trim().startsWith('{')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) result[match[1]!] = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return result;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
