import { z } from 'zod';
import { DomainError, ValidationError } from '@tollgate/kernel';
import { describeIssues, symbol } from '@tollgate/contracts';
import { meanReversionStrategy } from './mean-reversion.strategy';
import { trendStrategy } from './trend.strategy';
import { strategyVersion, type StrategyVersion } from './strategy-version';
import type { StrategyDefinition } from './strategy.types';

/** A strategy with validated parameters and the version every proposal it makes records. */
export interface ConfiguredStrategy<Parameters = unknown> {
  definition: StrategyDefinition<Parameters>;
  parameters: Parameters;
  version: StrategyVersion;
  /** The symbols it trades; null for every symbol it is given. */
  symbols: readonly string[] | null;
}

export class UnknownStrategyError extends DomainError {
  override name = 'UnknownStrategyError';
  constructor(readonly strategy: string, known: readonly string[]) {
    super('UNKNOWN_STRATEGY', `strategy=${JSON.stringify(strategy)} is not registered (known: ${known.join(', ')})`, { strategy });
  }
}

/** Strategies by name. */
export class StrategyRegistry {
  private readonly definitions = new Map<string, StrategyDefinition>();

  constructor(definitions: readonly StrategyDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: StrategyDefinition): void {
    if (this.definitions.has(definition.name)) throw new DomainError('DUPLICATE_STRATEGY', `strategy=${definition.name} was registered twice`);
    if (!/^[0-9a-f]{64}$/.test(definition.sourceHash)) {
      throw new DomainError('STRATEGY_SOURCE_HASH_INVALID', `strategy=${definition.name} sourceHash must be 64 hex digits (SHA-256)`);
    }
    this.definitions.set(definition.name, definition);
  }

  names(): string[] {
    return [...this.definitions.keys()].sort();
  }

  get(name: string): StrategyDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new UnknownStrategyError(name, this.names());
    return definition;
  }

  /** Validates parameters (defaults filled in); a ValidationError names each bad key under `path`. */
  configure(name: string, parameters: unknown = {}, options: { symbols?: readonly string[]; path?: string } = {}): ConfiguredStrategy {
    const definition = this.get(name);
    const parsed = definition.parameters.safeParse(parameters);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => {
        const path = [...(options.path ? [options.path] : []), ...issue.path.map(String)].join('.');
        return `${path || '(root)'}: ${issue.message}`;
      });
      throw new ValidationError(`${name} parameters`, issues);
    }
    return { definition, parameters: parsed.data, version: strategyVersion(definition, parsed.data), symbols: options.symbols ?? null };
  }
}

/** The built-in strategies: `trend` and `mean-reversion`. */
export function builtinStrategies(): StrategyRegistry {
  return new StrategyRegistry([trendStrategy as StrategyDefinition, meanReversionStrategy as StrategyDefinition]);
}

const strategyConfigSchema = z
  .object({
    strategies: z
      .array(
        z
          .object({
            name: z.string().min(1, 'must not be empty'),
            symbols: z.array(symbol).min(1, 'must list at least one symbol').optional(),
            parameters: z.record(z.string(), z.unknown()).default({}),
          })
          .strict(),
      )
      .min(1, 'must list at least one strategy'),
  })
  .strict();

/**
 * A strategies config file:
 *
 *   { "strategies": [ { "name": "trend", "symbols": ["SPY"], "parameters": { "fastPeriod": 10 } } ] }
 *
 * Every problem in the file is reported at once, each naming its key (`strategies.0.parameters.fastPeriod: …`).
 */
export function parseStrategyConfig(input: unknown, registry: StrategyRegistry, source = 'strategy config'): ConfiguredStrategy[] {
  const parsed = strategyConfigSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(source, describeIssues(parsed.error));
  const issues: string[] = [];
  const configured: ConfiguredStrategy[] = [];
  parsed.data.strategies.forEach((entry, index) => {
    const path = `strategies.${index}`;
    if (parsed.data.strategies.findIndex((other) => other.name === entry.name) !== index) {
      issues.push(`${path}.name: ${entry.name} is listed twice`);
      return;
    }
    if (!registry.names().includes(entry.name)) {
      issues.push(`${path}.name: ${JSON.stringify(entry.name)} is not a registered strategy (known: ${registry.names().join(', ')})`);
      return;
    }
    try {
      configured.push(registry.configure(entry.name, entry.parameters, { symbols: entry.symbols, path: `${path}.parameters` }));
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
    }
  });
  if (issues.length) throw new ValidationError(source, issues);
  return configured;
}

/** The same from the file's text; a JSON syntax error is reported as such. */
export function parseStrategyConfigText(text: string, registry: StrategyRegistry, source = 'strategy config'): ConfiguredStrategy[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(source, [`(root): was not JSON: ${(error as Error).message}`]);
  }
  return parseStrategyConfig(json, registry, source);
}
