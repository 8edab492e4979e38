import type { EventDefinition } from '../event-registry';

export const proposalEvents: EventDefinition[] = [];
