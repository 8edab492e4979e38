import { z } from 'zod';
import { ValidationError } from '@tollgate/kernel';
import { describeIssues } from './schema';

export interface EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  type: Type;
  schemaVersion: number;
  schema: Schema;
}

export function defineEvent<Type extends string, Schema extends z.ZodType>(
  type: Type,
  schemaVersion: number,
  schema: Schema,
): EventDefinition<Type, Schema> {
  return { type, schemaVersion, schema };
}

/** The data type of a defined event. */
export type EventData<Definition> = Definition extends EventDefinition<string, infer Schema> ? z.infer<Schema> : never;

export class UnknownEventTypeError extends Error {
  override name = 'UnknownEventTypeError';
  constructor(readonly type: string, readonly schemaVersion?: number) {
    super(
      schemaVersion === undefined
        ? `event type ${type} is not registered`
        : `event type ${type} has no schema version ${schemaVersion}`,
    );
  }
}

/** Every event type and version the system knows, with its schema. Unknown types are refused. */
export class EventRegistry {
  private readonly definitions = new Map<string, Map<number, EventDefinition>>();

  constructor(definitions: readonly EventDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: EventDefinition): void {
    const versions = this.definitions.get(definition.type) ?? new Map<number, EventDefinition>();
    if (versions.has(definition.schemaVersion)) {
      throw new Error(`event type ${definition.type} v${definition.schemaVersion} was registered twice`);
    }
    versions.set(definition.schemaVersion, definition);
    this.definitions.set(definition.type, versions);
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  types(): string[] {
    return [...this.definitions.keys()].sort();
  }

  latestVersion(type: string): number {
    const versions = this.definitions.get(type);
    if (!versions) throw new UnknownEventTypeError(type);
    return Math.max(...versions.keys());
  }

  /** Validates data against its schema; throws a ValidationError naming each bad field. */
  validate(type: string, schemaVersion: number | undefined, data: unknown): { schemaVersion: number; data: unknown } {
    const versions = this.definitions.get(type);
    if (!versions) throw new UnknownEventTypeError(type);
    const version = schemaVersion ?? this.latestVersion(type);
    const definition = versions.get(version);
    if (!definition) throw new UnknownEventTypeError(type, version);
    const parsed = definition.schema.safeParse(data);
    if (!parsed.success) throw new ValidationError(`${type} v${version} data`, describeIssues(parsed.error));
    return { schemaVersion: version, data: parsed.data };
  }
}
