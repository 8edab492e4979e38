import type { ExpectedVersion } from './port';

/** The stream was not at the version the writer expected. Reload and decide again. */
export class WrongExpectedVersionError extends Error {
  override name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's current last version; 0 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(
      `stream ${streamId}: expected ${describeExpected(expected)}, but it is ${actual === 0 ? 'absent (no events)' : `at version ${actual}`}`,
    );
  }
}

/** An event id is already stored with different content (or in another stream): never a retry. */
export class DuplicateEventIdError extends Error {
  override name = 'DuplicateEventIdError';
  constructor(readonly eventId: string, readonly storedStreamId: string, readonly reason: string) {
    super(`event id ${eventId} is already stored in stream ${storedStreamId} ${reason}`);
  }
}

/** The store was closed; the caller holds a stale handle. */
export class EventStoreClosedError extends Error {
  override name = 'EventStoreClosedError';
  constructor() {
    super('the event store is closed');
  }
}

/** An import file was refused; `line` is 1-based. Nothing was written. */
export class ImportRefusedError extends Error {
  override name = 'ImportRefusedError';
  constructor(readonly line: number, readonly reason: string) {
    super(`line ${line}: ${reason}`);
  }
}

/** Import restores into an empty store only; merging two histories would rewrite positions. */
export class ImportTargetNotEmptyError extends Error {
  override name = 'ImportTargetNotEmptyError';
  constructor(readonly location: string) {
    super(`the store at ${location} already has events; import restores into an empty store only`);
  }
}

/** The global log has a hole or a break a subscriber cannot step over. */
export class GlobalLogGapError extends Error {
  override name = 'GlobalLogGapError';
  constructor(readonly expectedPosition: number, readonly foundPosition: number) {
    super(`global log: expected position ${expectedPosition} but found ${foundPosition}; run \`tollgate store verify\``);
  }
}

export function describeExpected(expected: ExpectedVersion): string {
  return typeof expected === 'number' ? `version ${expected}` : expected;
}
