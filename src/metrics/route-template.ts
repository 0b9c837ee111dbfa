import type { Request } from 'express';

/**
 * The template of the route that matched a request (`/triggers/:project/:domain/:taskName/:name`),
 * never the raw path; null before routing or when no route matched.
 */
export function routeTemplate(req: Request): string | null {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : null;
}
