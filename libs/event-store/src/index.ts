export * from './port';
export * from './errors';
export * from './create-event-store';
export * from './sql-event-store';
export { verifyStore, type IntegrityProblem, type VerifyFailure, type VerifyOk, type VerifyOptions, type VerifyResult } from './verify';
export { ARCHIVE_FORMAT, ARCHIVE_VERSION, type ExportSummary, type ImportSummary } from './archive';
export {
  checkpointSignerFromPem,
  listCheckpoints,
  type Checkpoint,
  type CheckpointKeys,
  type CheckpointSigner,
} from './checkpoints';
export { canonicalEnvelope, globalHash, streamHash } from './hashing';
export { prepareAppend, validateStreamId } from './prepare';
export type { Backend, SqlExecutor, SqlSession } from './sql/executor';
export { MEMORY_DATA_DIR, DataDirectoryInUseError } from './sql/pglite-executor';
export { LATEST_SCHEMA_VERSION, migrate, SchemaTooNewError } from './sql/schema';
export { createReadModelDataSource, type ReadModelDataSourceOptions } from './projections/read-model-data-source';
export { ProjectionRunner, type Projection, type ProjectionRunnerOptions } from './projections/projection-runner';
export { serviceRoleGrants } from './sql/grants';
