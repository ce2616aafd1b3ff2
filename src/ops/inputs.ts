// The inputs of the operations a person asks for, as zod schemas shared by the front ends: the CLI checks its
// flags with them and the HTTP API validates its request bodies and documents them (OpenAPI) from the same ones.
import * as z from 'zod';
import { StrongboxError } from '../errors.js';
import { PERIODICITIES } from '../repository/snapshot.js';

export const periodicitySchema = z.enum(PERIODICITIES).describe('hourly … bimonthly, shutdown, or manual (on demand)');
export const NOTE_MAX = 500;
export const noteSchema = z
  .string()
  .min(1)
  .max(NOTE_MAX, `a note is at most ${NOTE_MAX} characters`)
  .refine(
    (s) => [...s].every((ch) => ch === '\n' || ch === '\t' || (ch >= ' ' && ch !== '\x7f')),
    'a note holds no control characters',
  )
  .describe('a note stored with an on-demand snapshot');
export const NOTE_ONLY_MANUAL = '--note is for on-demand (--periodicity manual) backups';

/** The note rule: a note goes with an on-demand (manual) backup only. */
const noteAllowed = (periodicity: string | undefined, note: string | undefined): boolean =>
  note === undefined || (periodicity ?? 'manual') === 'manual';

/**
 * The note rule, for the operations themselves (a program calling them has passed no schema). Throws a usage error
 * before anything is read or stored.
 */
export function checkNote(periodicity: string | undefined, note: string | undefined): void {
  if (!noteAllowed(periodicity, note)) throw new StrongboxError('USAGE', NOTE_ONLY_MANUAL);
}

/** What an app backup is labelled with: a periodicity (default manual) and, for manual ones, a note. */
export const backupLabelSchema = z
  .strictObject({
    periodicity: periodicitySchema.default('manual'),
    note: noteSchema.optional(),
  })
  .refine((b) => noteAllowed(b.periodicity, b.note), {
    message: NOTE_ONLY_MANUAL,
    path: ['note'],
  });

export const onlySchema = z.enum(['db', 'files']).describe('only the databases, or only the file trees');
export const partsSchema = z.enum(['all', 'db', 'files']).describe('what to restore: all (default), db or files');

/** "10%" or "n/m": which part of the packs a check reads. */
export const readDataSchema = z
  .string()
  .regex(/^(\d+(\.\d+)?%|\d+\/\d+)$/, 'a percentage (10%) or a part n/m (1/5)')
  .describe('read and verify this part of the data too: a percentage (10%) or a part n/m (1/5)');
