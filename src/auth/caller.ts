import type { Request } from 'express';
import type { Role } from '../config/app-config';

/** The authenticated API key behind a request. */
export interface Caller {
  name: string;
  role: Role;
  /** projects the key may touch; empty: every project */
  projects: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    /** set by the auth guard: the key's caller, or null when auth is off */
    caller?: Caller | null;
  }
}

/**
 * The projects this request may see, for list queries: null means every project (auth off, or a
 * key without a project scope). Services filter unfiltered lists with it.
 */
export function allowedProjects(req: Request): string[] | null {
  const caller = req.caller;
  if (!caller || caller.projects.length === 0) return null;
  return [...caller.projects];
}
