export * from './bus';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus';
export { NatsBus, connectNatsBus, type NatsBusOptions } from './nats-bus';
export { createBus, type CreateBusOptions } from './create-bus';
export { RecentEventIds } from './processed-events';
export { subjectMatches } from './subject-match';
export { EventRelay, type EventRelayOptions } from './relay';
export { SqlCheckpointStore, MemoryCheckpointStore, checkpointStoreBeside, type CheckpointStore, type SqlClient } from './checkpoint-store';
