import type { EventDefinition } from '../event-registry';

export const riskEvents: EventDefinition[] = [];
