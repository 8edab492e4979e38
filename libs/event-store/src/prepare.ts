import { z } from 'zod';
import { isUuid, NonCanonicalValueError, ValidationError } from '@tollgate/kernel';
import { describeIssues, UnknownEventTypeError, type EventInput, type EventMetadata, type EventRegistry } from '@tollgate/contracts';
import { canonicalText } from './canonical';
import type { ExpectedVersion } from './port';

/** An event checked against its schema and reduced to the exact text the store keeps and hashes. */
export interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  /** Canonical JSON text. */
  data: string;
  /** Canonical JSON text. */
  metadata: string;
  /** ISO-8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  occurredAt: string;
}

/** `<category>-<id>`: the category routes NATS subjects, so it is a plain word without a dash. */
const STREAM_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_]*-[^\s\p{Cc}]{1,200}$/u;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const metadataSchema = z
  .object({
    correlationId: z.string().min(1, 'must not be empty'),
    causationId: z.string().min(1, 'must not be empty').nullable(),
    actor: z.string().min(1, 'must not be empty'),
    traceparent: z.string().regex(TRACEPARENT, 'must be a W3C traceparent like 00-<32 hex>-<16 hex>-01').optional(),
    tracestate: z.string().max(512).optional(),
  })
  .strict();

export function validateStreamId(streamId: unknown): string[] {
  if (typeof streamId !== 'string' || streamId.length === 0) return ['streamId: is required'];
  if (!STREAM_ID_PATTERN.test(streamId)) {
    return [`streamId: ${JSON.stringify(streamId)} must look like <category>-<id> (category a word without '-', id without spaces)`];
  }
  return [];
}

export function validateExpectedVersion(expected: unknown): string[] {
  if (expected === 'any' || expected === 'no-stream' || expected === 'stream-exists') return [];
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return [];
  return [`expectedVersion: ${JSON.stringify(expected)} must be a version (integer ≥ 0), 'no-stream', 'stream-exists' or 'any'`];
}

/**
 * Validates everything about an append before any SQL runs: the stream id, the expected version,
 * and every event (id, registered type and schema, metadata, occurredAt, decimal-only numbers).
 * Throws one ValidationError listing each bad field as `events[i].data.price: …`.
 */
export function prepareAppend(
  registry: EventRegistry,
  streamId: string,
  expectedVersion: ExpectedVersion,
  events: readonly EventInput[],
): PreparedEvent[] {
  const issues = [...validateStreamId(streamId), ...validateExpectedVersion(expectedVersion)];
  if (!Array.isArray(events) || events.length === 0) issues.push('events: at least one event is required');
  const prepared: PreparedEvent[] = [];
  const seen = new Set<string>();
  (Array.isArray(events) ? events : []).forEach((event, index) => {
    const result = prepareEvent(registry, event, `events[${index}]`);
    if ('issues' in result) {
      issues.push(...result.issues);
      return;
    }
    if (seen.has(result.event.id)) issues.push(`events[${index}].id: ${result.event.id} appears twice in this append`);
    seen.add(result.event.id);
    prepared.push(result.event);
  });
  if (issues.length > 0) throw new ValidationError(`append to ${typeof streamId === 'string' && streamId ? streamId : '(no stream)'}`, issues);
  return prepared;
}

export function prepareEvent(
  registry: EventRegistry,
  event: EventInput,
  path: string,
): { event: PreparedEvent } | { issues: string[] } {
  if (!event || typeof event !== 'object') return { issues: [`${path}: must be an event object`] };
  const issues: string[] = [];
  if (!isUuid(event.id)) issues.push(`${path}.id: ${JSON.stringify(event.id)} must be a UUID`);
  let schemaVersion = 0;
  let data = '';
  if (typeof event.type !== 'string' || event.type.length === 0) {
    issues.push(`${path}.type: is required`);
  } else {
    try {
      const validated = registry.validate(event.type, event.schemaVersion, event.data);
      schemaVersion = validated.schemaVersion;
      data = canonicalText(validated.data);
    } catch (error) {
      issues.push(...describeDataError(error, path));
    }
  }
  let metadata = '';
  if (isWellFormedMetadata(event.metadata)) {
    metadata = canonicalText(event.metadata);
  } else {
    const parsedMetadata = metadataSchema.safeParse(event.metadata);
    if (parsedMetadata.success) metadata = canonicalText(parsedMetadata.data);
    else issues.push(...describeIssues(parsedMetadata.error).map((issue) => `${path}.metadata.${issue}`));
  }
  const occurredAt = normalizeTimestamp(event.occurredAt);
  if (occurredAt === undefined) {
    issues.push(`${path}.occurredAt: ${JSON.stringify(event.occurredAt)} must be an ISO-8601 timestamp with zone, at most millisecond precision`);
  }
  if (issues.length > 0) return { issues };
  return { event: { id: event.id.toLowerCase(), type: event.type, schemaVersion, data, metadata, occurredAt: occurredAt! } };
}

const METADATA_KEYS = new Set(['correlationId', 'causationId', 'actor', 'traceparent', 'tracestate']);

/** The common case checked by hand (appends are hot); anything unusual goes through zod for the message. */
function isWellFormedMetadata(value: unknown): value is EventMetadata {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const metadata = value as Record<string, unknown>;
  for (const key in metadata) if (!METADATA_KEYS.has(key)) return false;
  const { correlationId, causationId, actor, traceparent, tracestate } = metadata;
  return (
    typeof correlationId === 'string' && correlationId.length > 0 &&
    (causationId === null || (typeof causationId === 'string' && causationId.length > 0)) &&
    typeof actor === 'string' && actor.length > 0 &&
    (traceparent === undefined || (typeof traceparent === 'string' && TRACEPARENT.test(traceparent))) &&
    (tracestate === undefined || (typeof tracestate === 'string' && tracestate.length <= 512))
  );
}

function describeDataError(error: unknown, path: string): string[] {
  if (error instanceof UnknownEventTypeError) return [`${path}.type: ${error.message}`];
  if (error instanceof ValidationError) {
    return error.issues.map((issue) => (issue.startsWith('(root)') ? `${path}.data${issue.slice('(root)'.length)}` : `${path}.data.${issue}`));
  }
  if (error instanceof NonCanonicalValueError) return [`${path}.data${error.path.slice(1)}: ${error.message.replace(/^value at \S+ cannot be canonicalized: /, '')}`];
  throw error;
}

export function normalizeTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value)) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  return new Date(time).toISOString();
}
