import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../common/errors';
import { routeTemplate } from '../metrics/route-template';
import { projectsNamed, requiredRole, roleAllows } from './access-policy';
import { Authenticator } from './authenticator';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/**
 * The global guard: `/health/*` is open, `/metrics` needs the metrics key when one is configured,
 * everything else needs an API key whose role and project scope allow the route (when auth is on).
 * Sets `req.caller` and `req.actor` (the key's name).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: Authenticator) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const template = routeTemplate(req) ?? req.path;
    if (template === '/health' || template.startsWith('/health/')) return true;
    // The dashboard's static files hold no data; every API call they make needs a key
    // (docs/dashboard.md).
    if (template === '/ui' || template.startsWith('/ui/')) return true;
    if (template === '/metrics') {
      if (this.auth.mayReadMetrics(req)) return true;
      throw new DomainError('UNAUTHENTICATED', 'GET /metrics needs the metrics key', undefined, {
        ...CHALLENGE,
      });
    }
    req.caller = null;
    if (!this.auth.enabled) return true;

    const caller = this.auth.identify(req);
    if (!caller) {
      const message =
        req.headers.authorization === undefined
          ? 'this request needs an API key: Authorization: Bearer <key>'
          : 'the API key is not valid';
      throw new DomainError('UNAUTHENTICATED', message, undefined, { ...CHALLENGE });
    }
    req.caller = caller;
    req.actor = caller.name;

    const needs = requiredRole(req.method, template);
    if (!roleAllows(caller.role, needs)) {
      throw new DomainError(
        'FORBIDDEN',
        `key "${caller.name}" has role ${caller.role}; ${req.method} ${template} needs ${needs}`,
      );
    }
    if (caller.projects.length > 0) {
      const outside = projectsNamed(req, template).find((p) => !caller.projects.includes(p));
      if (outside !== undefined) {
        throw new DomainError(
          'FORBIDDEN',
          `key "${caller.name}" may not access project ${quote(outside)}`,
        );
      }
    }
    return true;
  }
}
