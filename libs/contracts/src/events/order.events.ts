import type { EventDefinition } from '../event-registry';

export const orderEvents: EventDefinition[] = [];
