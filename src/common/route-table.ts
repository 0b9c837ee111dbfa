import type { OpenAPIObject } from '@nestjs/swagger';

interface Route {
  method: string;
  pattern: RegExp;
  takesBody: boolean;
}

/** Routes served outside the OpenAPI document (Swagger UI and its JSON); none takes a body. */
const EXTRA_PATHS = [/^\/docs(\/.*)?$/i, /^\/docs-json$/i];

function patternOf(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  // Express matches case-insensitively and ignores one trailing slash.
  return new RegExp(`^${source}\\/?$`, 'i');
}

/**
 * Which method and path the app serves, and whether that route reads a request body, from the
 * OpenAPI document (the routes' one description). Lets the body parser refuse a body to an
 * unknown route (404) or to a route that takes none (415) before reading it (docs/api-limits.md).
 */
export class RouteTable {
  private routes: Route[] = [];

  load(document: OpenAPIObject): void {
    const routes: Route[] = [];
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
        if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
        routes.push({
          method: method.toUpperCase(),
          pattern: patternOf(template),
          takesBody: 'requestBody' in operation,
        });
      }
    }
    this.routes = routes;
  }

  /** 'body': a route that reads a body; 'no-body': a known path that takes none; 'unknown' */
  classify(method: string, path: string): 'body' | 'no-body' | 'unknown' {
    let known = false;
    for (const route of this.routes) {
      if (!route.pattern.test(path)) continue;
      known = true;
      if (route.method === method && route.takesBody) return 'body';
    }
    if (known || EXTRA_PATHS.some((p) => p.test(path))) return 'no-body';
    return 'unknown';
  }
}
