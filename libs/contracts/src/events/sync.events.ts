import type { EventDefinition } from '../event-registry';

export const syncEvents: EventDefinition[] = [];
