import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxRecord } from './book';

/**
 * The sandbox's append-only journal (`<data-dir>/journal.jsonl`): one record per line, written with a
 * synchronous write before the change is applied or answered, so a SIGKILL loses nothing that a client
 * was told. A torn last line (a crash mid-write) is cut off at start.
 */
export interface Journal {
  readonly path: string | null;
  readAll(): SandboxRecord[];
  append(record: SandboxRecord): void;
  close(): void;
}

export class FileJournal implements Journal {
  readonly path: string;
  private fd: number;

  constructor(dataDir: string, private readonly durable = false) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'journal.jsonl');
    this.fd = openSync(this.path, 'a+');
  }

  readAll(): SandboxRecord[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const records: SandboxRecord[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      const end = offset + Buffer.byteLength(line, 'utf8') + 1;
      if (line.trim() === '') {
        offset = end;
        continue;
      }
      try {
        records.push(JSON.parse(line) as SandboxRecord);
      } catch {
        if (end > Buffer.byteLength(text, 'utf8')) {
          ftruncateSync(this.fd, offset);
          break;
        }
        throw new Error(`sandbox journal ${this.path} has an unreadable record at byte ${offset}`);
      }
      offset = end;
    }
    return records;
  }

  append(record: SandboxRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (this.durable) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** For tests and throw-away runs: the same interface, kept in memory. */
export class MemoryJournal implements Journal {
  readonly path = null;
  private readonly records: SandboxRecord[] = [];
  readAll(): SandboxRecord[] {
    return [...this.records];
  }
  append(record: SandboxRecord): void {
    this.records.push(record);
  }
  close(): void {}
}
