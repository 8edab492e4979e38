import { createHash } from 'node:crypto';
import { canonicalJson } from '@tollgate/kernel';
import { INDICATOR_LIBRARY } from './indicators';
import { parametersToJson } from './parameters';
import type { StrategyDefinition } from './strategy.types';

/**
 * What a proposal records about the code that made it. `version` changes when, and only when, the
 * deciding source, the indicator library or the parameters change:
 *
 *   version = sha256(canonicalJson({ strategy, sourceHash, indicatorLibrary, parameters }))[0..16]
 *
 * `sourceHash` hashes source files, not `Function.prototype.toString`, because the transpiler in use
 * (SWC under Jest and the CLI, tsc elsewhere) would change a function's text without any change in
 * behaviour.
 */
export interface StrategyVersion {
  strategy: string;
  version: string;
  sourceHash: string;
  parametersHash: string;
  indicatorLibrary: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function strategyVersion(definition: Pick<StrategyDefinition, 'name' | 'sourceHash'>, parameters: unknown): StrategyVersion {
  const parametersJson = parametersToJson(parameters);
  return {
    strategy: definition.name,
    version: sha256(
      canonicalJson({ strategy: definition.name, sourceHash: definition.sourceHash, indicatorLibrary: INDICATOR_LIBRARY, parameters: parametersJson }),
    ).slice(0, 16),
    sourceHash: definition.sourceHash,
    parametersHash: sha256(canonicalJson(parametersJson)),
    indicatorLibrary: INDICATOR_LIBRARY,
  };
}

/**
 * The source hash of a built-in: SHA-256 over each listed file as `path NUL content NUL`, with line
 * endings normalized so a checkout's settings do not change it. The spec recomputes it from disk.
 */
export function sourceFingerprint(files: ReadonlyArray<{ path: string; content: string }>): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.path}\u0000${file.content.replace(/\r\n/g, '\n')}\u0000`);
  return hash.digest('hex');
}
