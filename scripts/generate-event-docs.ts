import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventCatalog } from '../libs/contracts/src/events/event-catalog';

const target = join(__dirname, '..', 'docs', 'events.md');
writeFileSync(target, renderEventCatalog());
process.stdout.write(`wrote ${target}\n`);
