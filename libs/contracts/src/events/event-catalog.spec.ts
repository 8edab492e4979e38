import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allEventDefinitions } from './index';
import { eventAreas, renderEventCatalog } from './event-catalog';

describe('the event catalog', () => {
  it('lists every registered event exactly once', () => {
    const listed = eventAreas.flatMap((area) => area.events.map((event) => `${event.type}@${event.schemaVersion}`));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual(allEventDefinitions.map((event) => `${event.type}@${event.schemaVersion}`).sort());
  });

  it('matches docs/events.md (run scripts/generate-event-docs.ts after changing a schema)', () => {
    const committed = readFileSync(join(__dirname, '../../../../docs/events.md'), 'utf8');
    expect(committed).toBe(renderEventCatalog());
  });
});
