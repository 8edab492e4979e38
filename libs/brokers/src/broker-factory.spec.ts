import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerPort } from '@tollgate/contracts';
import { AlpacaBroker } from './alpaca/alpaca-broker';
import { createBrokerFor } from './broker-factory';
import { BrokerConfigurationError } from './configuration-check';
import { crashPointsArmed, withCrashPoints } from './crash-points';

const sandbox = { APCA_API_BASE_URL: 'http://127.0.0.1:8787', APCA_API_KEY_ID: 'PKSANDBOX', APCA_API_SECRET_KEY: 'sandbox-secret' };
const fakeSimulated = { name: 'simulated-exchange' } as unknown as BrokerPort;

async function refusal(promise: Promise<unknown>): Promise<BrokerConfigurationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerConfigurationError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('createBrokerFor', () => {
  it('gives SIMULATED the simulated exchange and SANDBOX_PAPER the Alpaca adapter pointed at the sandbox', async () => {
    expect(await createBrokerFor({ mode: 'SIMULATED', dryRun: false, env: {}, simulated: () => fakeSimulated })).toBe(fakeSimulated);
    const paper = await createBrokerFor({ mode: 'SANDBOX_PAPER', dryRun: false, env: sandbox });
    expect(paper).toBeInstanceOf(AlpacaBroker);
    expect(paper.name).toBe('alpaca');
    await paper.close();
    await expect(createBrokerFor({ mode: 'SIMULATED', dryRun: false, env: {} })).rejects.toThrow('no port to it was given');
  });

  it('refuses (C19) a paper, simulated or dry-run configuration that holds live credentials, naming variables and never the secret', async () => {
    const live = { APCA_API_BASE_URL: 'https://api.alpaca.markets', APCA_API_KEY_ID: 'AKLIVEKEY', APCA_API_SECRET_KEY: 'live-secret-value' };
    for (const [mode, dryRun] of [['SANDBOX_PAPER', false], ['SIMULATED', false], ['LIVE', true]] as const) {
      const error = await refusal(createBrokerFor({ mode, dryRun, env: live, simulated: () => fakeSimulated }));
      expect(error.message).toContain('APCA_API_KEY_ID starts with AK');
      expect(error.message).toContain('api.alpaca.markets');
      expect(error.message).not.toContain('live-secret-value');
      expect(error.message).not.toContain('AKLIVEKEY');
    }
  });

  it('refuses SANDBOX_PAPER pointed at an unknown host or without a key pair, and LIVE holding a paper key', async () => {
    expect((await refusal(createBrokerFor({ mode: 'SANDBOX_PAPER', dryRun: false, env: { ...sandbox, APCA_API_BASE_URL: 'https://broker.example.com' } }))).check.problems).toEqual([
      'SANDBOX_PAPER refuses APCA_API_BASE_URL host broker.example.com: only paper-api.alpaca.markets or a local sandbox (localhost) are paper',
    ]);
    expect((await refusal(createBrokerFor({ mode: 'SANDBOX_PAPER', dryRun: false, env: { APCA_API_BASE_URL: sandbox.APCA_API_BASE_URL } }))).check.problems).toEqual([
      'SANDBOX_PAPER needs APCA_API_KEY_ID',
      'SANDBOX_PAPER needs APCA_API_SECRET_KEY',
    ]);
    const livePaperKey = await refusal(createBrokerFor({ mode: 'LIVE', dryRun: false, env: { ...sandbox, APCA_API_BASE_URL: 'https://api.alpaca.markets' } }));
    expect(livePaperKey.message).toContain('holds a paper key');
  });

  it('reads a credentials file like the adapter does, so a live key kept in a file is refused too', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tollgate-credentials-'));
    const file = join(directory, 'alpaca.env');
    writeFileSync(file, 'APCA_API_KEY_ID=AKFROMFILE\nAPCA_API_SECRET_KEY=file-secret\n');
    const error = await refusal(createBrokerFor({ mode: 'SANDBOX_PAPER', dryRun: false, env: { APCA_CREDENTIALS_FILE: file } }));
    expect(error.message).toContain('holds a live key');
    writeFileSync(file, 'APCA_API_KEY_ID=PKFROMFILE\nAPCA_API_SECRET_KEY=file-secret\nAPCA_API_BASE_URL=http://localhost:8787\n');
    const port = await createBrokerFor({ mode: 'SANDBOX_PAPER', dryRun: false, env: { APCA_CREDENTIALS_FILE: file } });
    expect(port).toBeInstanceOf(AlpacaBroker);
    await port.close();
  });

  it('puts crash points around the port only when a drill armed them', async () => {
    expect(crashPointsArmed({})).toBe(false);
    expect(withCrashPoints(fakeSimulated, {})).toBe(fakeSimulated);
    const wrapped = await createBrokerFor({ mode: 'SIMULATED', dryRun: false, env: { TOLLGATE_CRASH_CONTROL: '/nonexistent/crash-control' }, simulated: () => fakeSimulated });
    expect(wrapped).not.toBe(fakeSimulated);
    expect(wrapped.name).toBe('simulated-exchange');
  });
});
