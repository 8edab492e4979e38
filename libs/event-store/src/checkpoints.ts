import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { SqlExecutor } from './sql/executor';
import { SCHEMA } from './sql/schema';

/**
 * Checkpoints record the global chain head (position, log hash) now and then, optionally signed
 * with Ed25519. A checkpoint lets `verify` notice a log cut back behind it; a signed one, with the
 * public key kept outside the database, also survives an attacker who can write the database.
 */
export interface Checkpoint {
  position: number;
  logHash: string;
  keyId: string | null;
  signature: string | null;
}

export interface CheckpointSigner {
  keyId: string;
  privateKey: KeyObject;
}

/** Public keys by key id (PEM text or key objects). */
export type CheckpointKeys = Record<string, string | KeyObject>;

export function checkpointMessage(position: number, logHash: string): string {
  return `tollgate-checkpoint:v1:${position}:${logHash}`;
}

export function checkpointSignerFromPem(privateKeyPem: string, keyId: string): CheckpointSigner {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`checkpoint key ${keyId} must be an Ed25519 private key`);
  return { keyId, privateKey };
}

export function publicKeyOf(signer: CheckpointSigner): KeyObject {
  return createPublicKey(signer.privateKey);
}

/** True when the signature verifies, or when no key is known for it (nothing to check against). */
export function verifyCheckpointSignature(
  position: number,
  logHash: string,
  keyId: string | null,
  signature: string,
  keys: CheckpointKeys | undefined,
): boolean {
  const key = keyId ? keys?.[keyId] : undefined;
  if (!key) return true;
  const publicKey = typeof key === 'string' ? createPublicKey(key) : key;
  return verify(null, Buffer.from(checkpointMessage(position, logHash)), publicKey, Buffer.from(signature, 'base64'));
}

/** Records the current sealed head as a checkpoint (signed when a signer is given). */
export async function writeCheckpoint(executor: SqlExecutor, signer?: CheckpointSigner): Promise<Checkpoint | undefined> {
  const { rows } = await executor.query<{ position: number; log_hash: string }>(
    `SELECT last_position AS position, log_hash FROM ${SCHEMA}.global_log ORDER BY last_position DESC LIMIT 1`,
  );
  const head = rows[0];
  if (!head) return undefined;
  const position = Number(head.position);
  const signature = signer ? sign(null, Buffer.from(checkpointMessage(position, head.log_hash)), signer.privateKey).toString('base64') : null;
  const checkpoint: Checkpoint = { position, logHash: head.log_hash, keyId: signer?.keyId ?? null, signature };
  await executor.query(
    `INSERT INTO ${SCHEMA}.checkpoints (position, log_hash, key_id, signature) VALUES ($1, $2, $3, $4) ON CONFLICT (position) DO NOTHING`,
    [position, checkpoint.logHash, checkpoint.keyId, checkpoint.signature],
  );
  return checkpoint;
}

export async function listCheckpoints(executor: SqlExecutor): Promise<Checkpoint[]> {
  const { rows } = await executor.query<{ position: number; log_hash: string; key_id: string | null; signature: string | null }>(
    `SELECT position, log_hash, key_id, signature FROM ${SCHEMA}.checkpoints ORDER BY position`,
  );
  return rows.map((row) => ({ position: Number(row.position), logHash: row.log_hash, keyId: row.key_id, signature: row.signature }));
}
