import type { EventDefinition } from '../event-registry';

export const simulatedExchangeEvents: EventDefinition[] = [];
