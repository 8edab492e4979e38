import { inspect } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBrokerConfiguration } from './configuration-check';
import { loadAlpacaCredentials, SecretValue } from './credentials';

const paperKey = { APCA_API_KEY_ID: 'PKABCDEF1234567890', APCA_API_SECRET_KEY: 'paper-secret' };
const liveKey = { APCA_API_KEY_ID: 'AKABCDEF1234567890', APCA_API_SECRET_KEY: 'live-secret' };

describe('checkBrokerConfiguration (C19)', () => {
  it('accepts SANDBOX_PAPER against the local sandbox or Alpaca paper', () => {
    expect(checkBrokerConfiguration('SANDBOX_PAPER', false, { ...paperKey, APCA_API_BASE_URL: 'http://127.0.0.1:8787' })).toEqual({ ok: true, target: 'local-sandbox', problems: [] });
    expect(checkBrokerConfiguration('SANDBOX_PAPER', false, { ...paperKey, APCA_API_BASE_URL: 'https://paper-api.alpaca.markets' }).ok).toBe(true);
    expect(checkBrokerConfiguration('SANDBOX_PAPER', false, paperKey)).toMatchObject({ ok: true, target: 'alpaca-paper' });
  });

  it('refuses a paper or dry-run configuration holding a live key or the live URL, without printing the key', () => {
    const liveUrl = checkBrokerConfiguration('SANDBOX_PAPER', false, { ...paperKey, APCA_API_BASE_URL: 'https://api.alpaca.markets' });
    expect(liveUrl.ok).toBe(false);
    expect(liveUrl.problems).toEqual(['a SANDBOX_PAPER configuration points APCA_API_BASE_URL at the live host api.alpaca.markets']);
    const liveCredentials = checkBrokerConfiguration('SANDBOX_PAPER', false, { ...liveKey, APCA_API_BASE_URL: 'http://localhost:8787' });
    expect(liveCredentials.problems).toEqual(['a SANDBOX_PAPER configuration holds a live key (APCA_API_KEY_ID starts with AK)']);
    const dryRun = checkBrokerConfiguration('LIVE', true, { ...liveKey, APCA_API_BASE_URL: 'https://api.alpaca.markets' });
    expect(dryRun.ok).toBe(false);
    expect(dryRun.problems.join(' ')).toContain('dry-run');
    const simulated = checkBrokerConfiguration('SIMULATED', false, liveKey);
    expect(simulated.ok).toBe(false);
    for (const check of [liveUrl, liveCredentials, dryRun, simulated]) {
      expect(JSON.stringify(check)).not.toContain(liveKey.APCA_API_KEY_ID);
      expect(JSON.stringify(check)).not.toContain('secret');
    }
  });

  it('refuses SANDBOX_PAPER pointed at an unknown host or without credentials', () => {
    const elsewhere = checkBrokerConfiguration('SANDBOX_PAPER', false, { ...paperKey, APCA_API_BASE_URL: 'https://broker.example.com' });
    expect(elsewhere.problems).toEqual([
      'SANDBOX_PAPER refuses APCA_API_BASE_URL host broker.example.com: only paper-api.alpaca.markets or a local sandbox (localhost) are paper',
    ]);
    expect(checkBrokerConfiguration('SANDBOX_PAPER', false, {}).problems).toEqual(['SANDBOX_PAPER needs APCA_API_KEY_ID', 'SANDBOX_PAPER needs APCA_API_SECRET_KEY']);
  });

  it('lets LIVE go only to the live host with a live key', () => {
    expect(checkBrokerConfiguration('LIVE', false, { ...liveKey, APCA_API_BASE_URL: 'https://api.alpaca.markets' })).toEqual({ ok: true, target: 'alpaca-live', problems: [] });
    expect(checkBrokerConfiguration('LIVE', false, { ...liveKey }).ok).toBe(false);
    expect(checkBrokerConfiguration('LIVE', false, { ...paperKey, APCA_API_BASE_URL: 'https://api.alpaca.markets' }).problems).toEqual([
      'a LIVE configuration holds a paper key (APCA_API_KEY_ID starts with PK)',
    ]);
    expect(checkBrokerConfiguration('LIVE', false, { ...liveKey, APCA_API_BASE_URL: 'http://127.0.0.1:8787' }).ok).toBe(false);
  });

  it('lets a simulation run with no broker variables at all', () => {
    expect(checkBrokerConfiguration('SIMULATED', false, {})).toEqual({ ok: true, target: 'none', problems: [] });
  });
});

describe('Alpaca credentials', () => {
  it('keep the secret out of strings, JSON and inspection', () => {
    const credentials = loadAlpacaCredentials({ ...paperKey, APCA_API_BASE_URL: 'http://127.0.0.1:8787/' });
    expect(credentials.baseUrl).toBe('http://127.0.0.1:8787');
    expect(credentials.secret.reveal()).toBe('paper-secret');
    for (const shown of [String(credentials.secret), JSON.stringify(credentials), inspect(credentials), `${credentials.secret}`]) {
      expect(shown).not.toContain('paper-secret');
    }
    expect(new SecretValue('x').toString()).toBe('[redacted]');
  });

  it('default to the paper host, read a file, and name what is missing without values', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tollgate-credentials-'));
    try {
      const file = join(directory, 'alpaca.env');
      writeFileSync(file, 'export APCA_API_KEY_ID=PKFROMFILE\nAPCA_API_SECRET_KEY="from-file"\n');
      const fromFile = loadAlpacaCredentials({ APCA_CREDENTIALS_FILE: file });
      expect([fromFile.baseUrl, fromFile.keyId, fromFile.secret.reveal()]).toEqual(['https://paper-api.alpaca.markets', 'PKFROMFILE', 'from-file']);
      expect(loadAlpacaCredentials({ APCA_CREDENTIALS_FILE: file, APCA_API_KEY_ID: 'PKENV' }).keyId).toBe('PKENV');
      expect(() => loadAlpacaCredentials({ APCA_API_KEY_ID: 'PKONLY' })).toThrow('APCA_API_SECRET_KEY: not set');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
