// The API's request and response schemas (zod, with OpenAPI names): request bodies build on the operations'
// shared inputs (ops/inputs.ts), so the CLI and the API accept the same things; /api/openapi.json is made from these.
import { z } from '@hono/zod-openapi';
import { principalName, scopesSchema } from '../auth/scopes.js';
import { name } from '../config/fields.js';
import { backupLabelSchema, partsSchema, periodicitySchema, readDataSchema } from '../ops/inputs.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'NOT_FOUND' }),
      message: z.string(),
      issues: z.array(z.unknown()).optional(),
    }),
  })
  .openapi('Error');

const bytes = z.number().int().min(0);

export const AppSchema = z
  .object({
    id: z.string(),
    repository: z.string(),
    periodicities: z.array(z.string()),
    healthy: z.boolean(),
    problems: z.array(z.string()),
    databases: z.array(z.object({ name: z.string(), engine: z.string() })),
    files: z.array(z.object({ name: z.string(), path: z.string() })),
    health: z.array(
      z.object({
        periodicity: z.string(),
        scheduled: z.boolean(),
        state: z.enum(['ok', 'overdue', 'missing', 'incomplete', 'ahead', 'info']),
        count: z.number().int(),
        next: z.string().nullable().openapi({ description: 'the next scheduled run (ISO 8601), or null' }),
        newest: z
          .object({
            id: z.string(),
            time: z.string(),
            ageMs: z.number(),
            incomplete: z.boolean(),
            bytes,
            added: bytes,
            stored: bytes,
          })
          .nullable(),
      }),
    ),
  })
  .openapi('App');

export const SnapshotSchema = z
  .object({
    id: z.string(),
    time: z.string(),
    host: z.string(),
    app: z.string().nullable(),
    periodicity: z.string(),
    trigger: z.enum(['scheduled', 'on-demand', 'shutdown']),
    note: z.string().nullable(),
    label: z.string().openapi({ example: 'daily 3/7' }),
    incomplete: z.boolean(),
    components: z.array(z.record(z.string(), z.unknown())),
    bytes,
    added: bytes,
    stored: bytes,
  })
  .openapi('Snapshot');

export const RunInfoSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['backup', 'restore', 'forget', 'prune', 'check', 'drill']),
    app: z.string().optional(),
    repository: z.string().optional(),
    user: z.string(),
    state: z.enum(['running', 'ended']),
    startedAt: z.string(),
    outcome: z.string().optional(),
  })
  .openapi('RunStarted');

export const RunSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    state: z.enum(['running', 'ended']),
    app: z.string().optional(),
    repository: z.string().optional(),
    periodicity: z.string().optional(),
    trigger: z.string().optional(),
    user: z.string().optional(),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    durationMs: z.number().optional(),
    outcome: z.string().optional(),
    snapshot: z.string().optional(),
    bytes: z.object({ total: bytes, added: bytes, stored: bytes }).optional(),
    detail: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi('Run');

export const PrincipalSchema = z
  .object({ kind: z.enum(['user', 'token']), name: z.string(), scopes: scopesSchema })
  .openapi('Principal');

export const TokenSchema = z
  .object({ name: z.string(), scopes: scopesSchema, createdAt: z.string(), createdBy: z.string().optional() })
  .openapi('Token');

export const LoginSchema = z
  .strictObject({ user: principalName, password: z.string().min(1).max(1024) })
  .openapi('Login');
export const NewTokenSchema = z.strictObject({ name: principalName, scopes: scopesSchema }).openapi('NewToken');

// Schemas shared with the CLI (ops/inputs.ts) may be made before zod is extended for OpenAPI: used as they are, not
// renamed with .openapi() (they appear inline in the document).
export const BackupRequestSchema = backupLabelSchema;

const absolute = z.string().startsWith('/', 'must be an absolute path');
export const RestoreRequestSchema = z
  .strictObject({
    snapshot: z.string().min(1).default('latest').describe("a snapshot ID (prefix) or 'latest'"),
    parts: partsSchema.default('all'),
    components: z.array(name).min(1).optional().describe('restore these components only'),
    into: name.optional().describe("the app whose places the snapshot goes into (default the path's app)"),
    target: z
      .strictObject({
        dir: absolute.optional().describe('file trees go to DIR/<name> instead of their configured paths'),
        db: z.string().min(1).optional().describe('a database name, URL or SQLite path instead of the configured one'),
      })
      .optional(),
    confirm: z
      .string()
      .optional()
      .describe("the target app's ID, typed by the user: required to replace what its live places hold"),
  })
  .openapi('RestoreRequest');

export const CheckRequestSchema = z.strictObject({ readData: readDataSchema.optional() }).openapi('CheckRequest');
export const EmptySchema = z.strictObject({}).openapi('Empty');

const pathParam = (n: string, description: string) =>
  z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: n, in: 'path' }, description });
export const AppParam = z.object({ app: pathParam('app', "an app's id") });
export const RepoParam = z.object({ name: pathParam('name', "a repository's name in the config") });
export const RunParam = z.object({ id: pathParam('id', "a run's ID") });
export const TokenParam = z.object({ name: pathParam('name', "a token's name") });

export const SnapshotQuerySchema = z.object({
  periodicity: periodicitySchema.optional(),
  trigger: z.enum(['scheduled', 'on-demand', 'shutdown']).optional(),
});
export const RunsQuerySchema = z.object({
  app: name.optional(),
  limit: z.coerce.number().int().min(1).max(10000).default(100),
});
