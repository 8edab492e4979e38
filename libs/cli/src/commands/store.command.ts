import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { canonicalJson, newId, ValidationError } from '@tollgate/kernel';
import type { RecordedEvent } from '@tollgate/contracts';
import {
  createEventStore,
  DuplicateEventIdError,
  ImportRefusedError,
  ImportTargetNotEmptyError,
  WrongExpectedVersionError,
  type ExpectedVersion,
  type SqlEventStore,
} from '@tollgate/event-store';
import { CommandFailure, outputFor } from '../output';

/**
 * `tollgate store …`: operator access to the event store (DATABASE_URL, else the embedded PGlite
 * in TOLLGATE_DATA_DIR). Appends go through the same validation as every service's.
 */

const EXIT_INTEGRITY = 2;

async function withStore<T>(work: (store: SqlEventStore) => Promise<T>): Promise<T> {
  const store = await createEventStore();
  try {
    return await work(store);
  } catch (error) {
    if (
      error instanceof ValidationError ||
      error instanceof WrongExpectedVersionError ||
      error instanceof DuplicateEventIdError ||
      error instanceof ImportRefusedError ||
      error instanceof ImportTargetNotEmptyError
    ) {
      throw new CommandFailure(error.message);
    }
    throw error;
  } finally {
    await store.close();
  }
}

function parseExpectedVersion(text: string): ExpectedVersion {
  if (text === 'any' || text === 'no-stream' || text === 'stream-exists') return text;
  if (/^\d+$/.test(text)) return Number(text);
  throw new CommandFailure(`--expected-version ${JSON.stringify(text)} must be a version number, no-stream, stream-exists or any`);
}

function parseNonNegative(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CommandFailure(`${flag} ${JSON.stringify(text)} must be a whole number`);
  return Number(text);
}

async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

function renderEvent(event: RecordedEvent): string {
  return `${event.position}\t${event.streamId}@${event.streamVersion}\t${event.type}\t${event.recordedAt}\t${canonicalJson(event.data)}`;
}

interface AppendOptions {
  stream: string;
  type: string;
  data: string;
  expectedVersion: string;
  id?: string;
  occurredAt?: string;
  schemaVersion?: string;
  actor?: string;
  correlationId?: string;
  causationId?: string;
}

interface ReadOptions {
  stream?: string;
  all?: boolean;
  from?: string;
  maxCount?: string;
  backward?: boolean;
}

export function register(program: Command): void {
  const store = program
    .command('store')
    .description('append to, read, verify, export and import the event store (DATABASE_URL, else the embedded store)');

  store
    .command('append')
    .description('append one event to a stream (validated against its schema; OperatorNote {"text": …} fits any stream)')
    .requiredOption('--stream <id>', 'stream id, <category>-<id>, e.g. order-42')
    .requiredOption('--type <type>', 'event type, e.g. OperatorNote')
    .requiredOption('--data <json>', 'event data as JSON; money and quantities as decimal strings')
    .option('--expected-version <version>', 'N (the stream\'s current last version), no-stream, stream-exists or any', 'any')
    .option('--id <uuid>', 'event id (default: a new UUID); a retry with the same id, data and --occurred-at writes nothing')
    .option('--occurred-at <iso>', 'when it happened, ISO-8601 with zone (default: now)')
    .option('--schema-version <n>', 'schema version of the data (default: the latest)')
    .option('--actor <actor>', 'who is appending (default: user:<login name>)')
    .option('--correlation-id <id>', 'workflow this event belongs to (default: the event id)')
    .option('--causation-id <id>', 'the event or command that caused this one')
    .option('--json', 'print the append result as JSON')
    .addHelpText('after', '\nExample:\n  tollgate store append --stream order-42 --type OperatorNote --data \'{"text":"checked with the broker"}\'\n')
    .action(async (options: AppendOptions, command: Command) => {
      const output = outputFor(command);
      let data: unknown;
      try {
        data = JSON.parse(options.data);
      } catch (error) {
        throw new CommandFailure(`--data is not valid JSON: ${(error as Error).message}`);
      }
      const expectedVersion = parseExpectedVersion(options.expectedVersion);
      const id = options.id ?? newId();
      const result = await withStore((eventStore) =>
        eventStore.append(options.stream, expectedVersion, [
          {
            id,
            type: options.type,
            schemaVersion: parseNonNegative(options.schemaVersion, '--schema-version'),
            data,
            metadata: {
              correlationId: options.correlationId ?? id,
              causationId: options.causationId ?? null,
              actor: options.actor ?? `user:${userInfo().username}`,
            },
            occurredAt: options.occurredAt ?? new Date().toISOString(),
          },
        ]),
      );
      output.result({ ...result, id }, (value) =>
        value.deduplicated
          ? `already stored: ${value.streamId} version ${value.firstVersion} (event ${value.id}); nothing written`
          : `appended ${value.streamId} version ${value.firstVersion} (event ${value.id})`,
      );
    });

  store
    .command('read')
    .description('print events, one per line: a stream (--stream) or the whole log in global order (--all)')
    .option('--stream <id>', 'read this stream')
    .option('--all', 'read every event in global position order')
    .option('--from <n>', 'first stream version (--stream) or first global position (--all) to print, inclusive')
    .option('--max-count <n>', 'print at most this many events')
    .option('--backward', 'with --stream: newest first')
    .option('--json', 'print each event as one JSON document per line (JSON Lines)')
    .addHelpText('after', '\nText lines are: position, stream@version, type, recordedAt, data (tab separated).\n')
    .action(async (options: ReadOptions, command: Command) => {
      const json = outputFor(command).json;
      if (Boolean(options.stream) === Boolean(options.all)) throw new CommandFailure('give exactly one of --stream ID or --all');
      const from = parseNonNegative(options.from, '--from');
      const maxCount = parseNonNegative(options.maxCount, '--max-count') ?? Number.MAX_SAFE_INTEGER;
      const print = (event: RecordedEvent) => writeLine(json ? JSON.stringify(event) : renderEvent(event));
      await withStore(async (eventStore) => {
        if (options.stream) {
          const events = await eventStore.readStream(options.stream, {
            direction: options.backward ? 'backward' : 'forward',
            fromVersion: from,
            maxCount,
          });
          for (const event of events) await print(event);
          return;
        }
        let after = Math.max(0, (from ?? 1) - 1);
        let remaining = maxCount;
        while (remaining > 0) {
          const batch = await eventStore.readAll({ after, maxCount: Math.min(remaining, 1_000) });
          for (const event of batch) await print(event);
          if (batch.length === 0) break;
          after = batch[batch.length - 1]!.position;
          remaining -= batch.length;
        }
      });
    });

  store
    .command('verify')
    .description('recompute both hash chains; exit 0 with the number of events checked, or non-zero naming the first bad position')
    .option('--expect-head <position:hash>', 'a head recorded earlier (e.g. by a previous verify): the log must still contain it')
    .option('--json', 'print the verification result as JSON')
    .addHelpText('after', `\nProblems are reported as edited, missing, reordered or truncated. Exit code ${EXIT_INTEGRITY} means the log failed verification.\n`)
    .action(async (options: { expectHead?: string }, command: Command) => {
      const output = outputFor(command);
      let expectHead: { position: number; hash: string } | undefined;
      if (options.expectHead) {
        const match = /^(\d+):([0-9a-f]{64})$/.exec(options.expectHead);
        if (!match) throw new CommandFailure('--expect-head must look like POSITION:HASH (64 hex digits)');
        expectHead = { position: Number(match[1]), hash: match[2]! };
      }
      const result = await withStore((eventStore) => eventStore.verify({ expectHead }));
      if (result.ok) {
        output.result(result, (value) =>
          `verified ${value.checked} events in ${value.streams} streams; head position ${value.headPosition} hash ${value.headHash}`,
        );
        return;
      }
      if (output.json) output.result(result, () => '');
      throw new CommandFailure(`verification failed at ${result.detail} (${result.checked} events checked before it)`, EXIT_INTEGRITY);
    });

  store
    .command('export')
    .description('write every event to a JSON Lines file (canonical bytes and both hashes; see docs/event-store.md)')
    .requiredOption('--out <file>', 'the file to write, e.g. backup.jsonl')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { out: string }, command: Command) => {
      const output = outputFor(command);
      const summary = await withStore((eventStore) => eventStore.exportTo(options.out));
      output.result({ ...summary, file: options.out }, (value) =>
        `exported ${value.events} events to ${value.file}; head position ${value.headPosition} hash ${value.headHash}`,
      );
    });

  store
    .command('import')
    .description('restore an export into an empty store; a corrupted or reordered file is refused, naming the line')
    .requiredOption('--in <file>', 'the export to restore')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { in: string }, command: Command) => {
      const output = outputFor(command);
      const summary = await withStore((eventStore) => eventStore.importFrom(options.in));
      output.result(summary, (value) =>
        `imported ${value.events} events in ${value.streams} streams; head position ${value.headPosition} hash ${value.headHash}`,
      );
    });
}
