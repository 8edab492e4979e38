import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fingerprints from './builtin-fingerprints.json';
import { sourceFingerprint } from './strategy-version';
import { INDICATOR_LIBRARY } from './indicators';

/**
 * A built-in strategy's version must change whenever the code that shapes its proposals does. This
 * spec recomputes each fingerprint from the files on disk; when it fails, copy the printed hash into
 * builtin-fingerprints.json — that is the version bump, and it shows in review.
 */
describe('built-in strategy fingerprints', () => {
  it.each(Object.entries(fingerprints.strategies))('%s matches its source files', (name, entry) => {
    const files = entry.files.map((path) => ({ path, content: readFileSync(join(__dirname, path), 'utf8') }));
    const actual = sourceFingerprint(files);
    if (actual !== entry.sha256) {
      throw new Error(`the source of strategy ${name} changed: set "sha256": "${actual}" for ${name} in builtin-fingerprints.json (this bumps its version)`);
    }
  });

  it('names the indicator library version that is installed', () => {
    const installed = JSON.parse(readFileSync(join(__dirname, '../../../../node_modules/trading-signals/package.json'), 'utf8')) as { version: string };
    expect(INDICATOR_LIBRARY).toBe(`trading-signals@${installed.version}`);
  });
});
