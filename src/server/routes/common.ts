// Pieces every route module shares: the documented refusals (401, 403, 400, 404) and the route-level scope.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { needs, type Need } from '../guard.js';
import { ErrorSchema } from '../schemas.js';

const json = { content: { 'application/json': { schema: ErrorSchema } } };
export const refusals = {
  400: { ...json, description: 'the request is invalid (VALIDATION, USAGE)' },
  401: { ...json, description: 'no credentials, or unknown ones' },
  403: { ...json, description: 'the credentials lack the scope (or, for a session, the CSRF token)' },
  404: { ...json, description: 'no such app, snapshot, run or token' },
} as const;

/**
 * A route with its scope: the check runs before validation (so an unauthenticated request is a 401 whatever its
 * body), and the OpenAPI document names the scope (`x-strongbox-scope`) and the security schemes.
 */
export function guarded<R extends Omit<RouteConfig, 'middleware'>>(need: Need, r: R) {
  return createRoute({
    ...r,
    ...(need === 'public' ? {} : { middleware: [needs(need)] as const, security: [{ bearer: [] }, { session: [] }] }),
    description: `${r.description ?? ''}${r.description ? ' ' : ''}Scope: ${need}.`,
    'x-strongbox-scope': need,
  } as R & { 'x-strongbox-scope': Need });
}
