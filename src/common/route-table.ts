import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';

interface Route {
  method: string;
  pattern: RegExp;
  takesBody: boolean;
}

/** Routes served outside the controllers (Swagger UI and its JSON); none takes a body. */
const EXTRA_PATHS = [/^\/docs(\/.*)?$/i, /^\/docs-json\/?$/i];

function paths(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : ['/'];
}

function patternOf(controllerPath: string, handlerPath: string): RegExp {
  const joined = `/${controllerPath}/${handlerPath}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  const source = joined
    .split(/:[A-Za-z0-9_]+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  // Express matches case-insensitively and ignores one trailing slash.
  return new RegExp(`^${source === '/' ? '' : source}\\/?$`, 'i');
}

/**
 * Which method and path the app serves, and whether that route reads a request body (`@Body()`),
 * from the controllers' own metadata. Lets the body parser refuse a body to an unknown route
 * (404) or to a route that takes none (415) before reading a byte of it (docs/api-limits.md).
 */
export class RouteTable {
  private readonly routes: Route[] = [];

  static of(app: INestApplication): RouteTable {
    const table = new RouteTable();
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const type = wrapper.metatype as (new (...args: never[]) => unknown) | null;
        if (typeof type === 'function') table.add(type);
      }
    }
    return table;
  }

  private add(type: new (...args: never[]) => unknown): void {
    const controllerPaths = paths(Reflect.getMetadata(PATH_METADATA, type));
    const proto = type.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, name) ?? {}) as object;
      const takesBody = Object.keys(args).some((k) =>
        [RouteParamtypes.BODY, RouteParamtypes.RAW_BODY].includes(Number(k.split(':')[0])),
      );
      for (const c of controllerPaths) {
        for (const h of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
          this.routes.push({ method: RequestMethod[method], pattern: patternOf(c, h), takesBody });
        }
      }
    }
  }

  /** 'body': a route that reads a body; 'no-body': a known path that takes none; 'unknown' */
  classify(method: string, path: string): 'body' | 'no-body' | 'unknown' {
    let known = false;
    for (const route of this.routes) {
      if (!route.pattern.test(path)) continue;
      known = true;
      if ((route.method === method || route.method === 'ALL') && route.takesBody) return 'body';
    }
    if (known || EXTRA_PATHS.some((p) => p.test(path))) return 'no-body';
    return 'unknown';
  }
}
