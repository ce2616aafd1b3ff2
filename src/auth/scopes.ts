// Who may do what over the HTTP API: the four scopes a user or token holds, and the one rule that decides whether
// a set of scopes allows a route's (admin allows everything; the others imply nothing).
import * as z from 'zod';
import { StrongboxError } from '../errors.js';

export const SCOPES = ['read', 'backup', 'restore', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const scopeSchema = z.enum(SCOPES).describe('read: every GET; backup: back up now; restore; admin: all');
export const scopesSchema = z.array(scopeSchema).min(1, 'give at least one scope (read, backup, restore, admin)');

/** A user's or token's name: what the audit trail shows. */
export const principalName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    'use letters, digits, ".", "_", "@" or "-" (at most 64, starting with a letter or digit)',
  );

export function allows(held: readonly Scope[], need: Scope): boolean {
  return held.includes('admin') || held.includes(need);
}

/** Scopes from a command line's repeated or comma-separated --scope values, checked; duplicates removed. */
export function parseScopes(values: string[], flag = '--scope'): Scope[] {
  const list = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const r = scopesSchema.safeParse(list);
  if (!r.success)
    throw new StrongboxError('USAGE', `${flag} ${list.join(',') || '(none)'}: ${r.error.issues[0].message}`);
  return [...new Set(r.data)];
}
