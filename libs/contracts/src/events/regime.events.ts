import type { EventDefinition } from '../event-registry';

export const regimeEvents: EventDefinition[] = [];
