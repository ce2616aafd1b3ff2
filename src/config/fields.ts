// Field types shared by the config schemas: names, durations (the one grammar), environment variable names,
// time zones.
import * as z from 'zod';
import { DURATION_HELP, tryParseDuration } from '../util/duration.js';

export const name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'use letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit)',
  );
export const duration = (positive: boolean) =>
  z.string().refine((s) => {
    const ms = tryParseDuration(s);
    return ms !== null && (!positive || ms > 0);
  }, `a duration: ${DURATION_HELP}`);
export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const timeZone = z
  .string()
  .min(1)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not a time zone name (e.g. UTC, Europe/London)');
