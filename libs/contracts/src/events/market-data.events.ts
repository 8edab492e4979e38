import type { EventDefinition } from '../event-registry';

export const marketDataEvents: EventDefinition[] = [];
