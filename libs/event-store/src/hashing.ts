import { hash } from 'node:crypto';

/**
 * The two hash chains. Both are SHA-256 over UTF-8 text, hex encoded, so any tool can recompute
 * them from an export:
 *
 *   stream chain, per event:   h(v) = sha256( h(v-1) ":" envelope(v) )            h(0) = 64 × "0"
 *   global chain, per append:  g(k) = sha256( g(k-1) ":" first ":" last ":" firstVersion ":"
 *                                              h(last event) ":" recordedAt ":" streamId )   g(0) = 64 × "0"
 *
 * envelope(v) is the canonical JSON (sorted keys, no whitespace) of
 * {data, id, metadata, occurredAt, schemaVersion, streamId, streamVersion, type}; data and
 * metadata are stored as canonical JSON text and spliced in verbatim. An append's events hold the
 * dense positions first..last; h(last event) commits to every event of the append through the
 * stream chain. The sealer extends the global chain inside the database (event_store.seal()).
 */
export interface EnvelopeFields {
  id: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  /** Canonical JSON text. */
  data: string;
  /** Canonical JSON text. */
  metadata: string;
  occurredAt: string;
}

export function canonicalEnvelope(fields: EnvelopeFields): string {
  return (
    `{"data":${fields.data},"id":${JSON.stringify(fields.id)},"metadata":${fields.metadata},` +
    `"occurredAt":${JSON.stringify(fields.occurredAt)},"schemaVersion":${fields.schemaVersion},` +
    `"streamId":${JSON.stringify(fields.streamId)},"streamVersion":${fields.streamVersion},"type":${JSON.stringify(fields.type)}}`
  );
}

/** One-shot `crypto.hash` is several times faster than createHash() for event-sized inputs. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function streamHash(previousHash: string, envelope: string): string {
  return sha256Hex(`${previousHash}:${envelope}`);
}

export interface AppendLink {
  firstPosition: number;
  lastPosition: number;
  streamId: string;
  firstVersion: number;
  /** Stream hash of the append's last event. */
  lastStreamHash: string;
  recordedAt: string;
}

export function globalHash(previousHash: string, link: AppendLink): string {
  return sha256Hex(
    `${previousHash}:${link.firstPosition}:${link.lastPosition}:${link.firstVersion}:${link.lastStreamHash}:${link.recordedAt}:${link.streamId}`,
  );
}
