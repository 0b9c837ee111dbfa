import type { Request } from 'express';
import type { Role } from '../config/app-config';

const RANK: Record<Role, number> = { reader: 0, worker: 1, writer: 2, admin: 3 };

/** True when a key of role `has` may do what needs role `needs`. */
export function roleAllows(has: Role, needs: Role): boolean {
  return RANK[has] >= RANK[needs];
}

/** A route template with its parameter names blanked: `/triggers/:project/x` → `/triggers/:/x`. */
export function shapeOf(template: string): string {
  return template.replace(/\/:[^/]+/g, '/:');
}

const TRIGGER = '/triggers/:/:/:/:';

/**
 * The role each non-read route needs (api.md "Authentication"), by method and route shape.
 * Reads (GET, HEAD) need `reader`; any other route not listed here needs `admin`, so a new
 * endpoint is closed until it is classified here.
 */
const RULES: Record<string, Role> = {
  [`POST /schedules/preview`]: 'reader',
  [`PUT ${TRIGGER}`]: 'writer',
  [`PUT /tasks/:/:/:/triggers`]: 'writer',
  [`DELETE ${TRIGGER}`]: 'writer',
  [`POST /triggers/activate`]: 'writer',
  [`POST /triggers/deactivate`]: 'writer',
  [`POST /triggers/delete`]: 'writer',
  [`POST ${TRIGGER}/fire`]: 'writer',
  [`POST ${TRIGGER}/backfill`]: 'writer',
  [`POST /queues/:/lease`]: 'worker',
  [`POST /runs/:/heartbeat`]: 'worker',
  [`POST /runs/:/complete`]: 'worker',
  [`POST /runs/complete`]: 'worker',
  [`POST /runs/:/fail`]: 'worker',
  [`POST /runs/:/release`]: 'worker',
  [`POST /runs/:/cancel`]: 'writer',
};

/** The least role needed for `method` on the route `template` (e.g. `/triggers/:project/...`). */
export function requiredRole(method: string, template: string): Role {
  const m = method.toUpperCase();
  const rule = RULES[`${m} ${shapeOf(template)}`];
  if (rule) return rule;
  return m === 'GET' || m === 'HEAD' ? 'reader' : 'admin';
}

const BULK = new Set(['/triggers/activate', '/triggers/deactivate', '/triggers/delete']);

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * Every project a request names: the project path segment of a trigger route (and any route
 * parameter called `project`), the `project` filter of the trigger list, and `names[].project` in
 * bulk bodies. Malformed values are returned as they are (they are not in any allowed list); what
 * is not a string is left to validation.
 */
export function projectsNamed(req: Request, template: string): string[] {
  const found: string[] = [];
  const params = (req.params ?? {}) as Record<string, unknown>;
  const trigger = /^\/triggers\/:([^/]+)(\/|$)/.exec(template);
  if (trigger) found.push(...strings(params[trigger[1]]));
  if (!trigger || trigger[1] !== 'project') found.push(...strings(params.project));
  if (template === '/triggers' || template === '/runs') {
    const query = (req.query ?? {}) as Record<string, unknown>;
    found.push(...strings(query.project));
  }
  if (BULK.has(template)) {
    const body: unknown = req.body;
    const names =
      body !== null && typeof body === 'object' ? (body as { names?: unknown }).names : undefined;
    if (Array.isArray(names)) {
      for (const name of names) {
        const project: unknown =
          name !== null && typeof name === 'object'
            ? (name as { project?: unknown }).project
            : null;
        if (typeof project === 'string') found.push(project);
      }
    }
  }
  return found;
}
