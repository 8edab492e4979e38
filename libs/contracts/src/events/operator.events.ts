import { z } from 'zod';
import { defineEvent } from '../event-registry';

/** An operator's annotation, allowed on any stream, for investigations. */
export const OperatorNote = defineEvent('OperatorNote', 1, z.object({ text: z.string().min(1, 'must not be empty') }).strict());

export const operatorEvents = [OperatorNote];
