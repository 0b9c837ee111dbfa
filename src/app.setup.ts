import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Logger as PinoLogger } from 'pino';
import { Authenticator } from './auth/authenticator';
import { CallerRateLimiter } from './auth/rate-limit.guard';
import { bodyParsingMiddleware } from './common/body-parsing';
import { HttpErrorFilter } from './common/http-error.filter';
import { requestIdMiddleware } from './common/request-id';
import { RouteTable } from './common/route-table';
import { createValidationPipe } from './common/validation';
import { AppConfig, type HttpServerConfig } from './config/app-config';
import { httpLoggingMiddleware } from './logging/http-logging';
import { createLogger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { httpMetricsMiddleware } from './metrics/http-metrics';
import { MetricsService } from './metrics/metrics.service';

export interface ConfigureAppOptions {
  /** the root logger (main.ts makes it before the app); default: one from the app's config */
  logger?: PinoLogger;
}

/**
 * Everything an app needs before it serves: logging, metrics, security headers, CORS, request
 * ids, the rate limit, JSON body parsing, the validation pipe, the error filter, Swagger and the
 * server's timeouts. Shared by main.ts and the e2e tests so both run the same app. Order matters:
 * request ids, the request log and the HTTP metrics come first, so that requests rejected before
 * routing (404, 413, 415, 429) are logged and counted too; the rate limit and the route come
 * before any body is read (docs/api-limits.md).
 */
export function configureApp(app: INestApplication, options: ConfigureAppOptions = {}): void {
  const config = app.get(AppConfig);
  const root = options.logger ?? createLogger({ level: config.logLevel });
  app.useLogger(new NestPinoLogger(root));

  const express = app.getHttpAdapter().getInstance() as {
    disable(name: string): void;
    set(name: string, value: unknown): void;
  };
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  const server = app.getHttpServer() as Server;
  applyServerLimits(server, config.httpServer);
  answerClientErrors(server, root);
  app.use(requestIdMiddleware);
  app.use(httpLoggingMiddleware(root));
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  // Helmet's default Content-Security-Policy allows what Swagger UI at /docs loads (its own
  // scripts and styles, inline styles, data: images); without upgrade-insecure-requests, which
  // would break /docs served over plain HTTP on a host other than localhost.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'If-Match',
        'Idempotency-Key',
        'X-Request-Id',
      ],
      exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id', 'WWW-Authenticate'],
      maxAge: 600,
    });
  }
  app.use(app.get(CallerRateLimiter).middleware());
  const routes = RouteTable.of(app);
  const auth = app.get(Authenticator);
  app.use(
    bodyParsingMiddleware({
      routes,
      // an unauthenticated request is refused (401) before its body would be used
      mayReadBody: (req) => !auth.enabled || auth.identify(req) !== null,
    }),
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());

  // built on the first request to /docs or /docs-json, not at start-up (~170 ms on 2 cores)
  SwaggerModule.setup('docs', app, () => createApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}

/**
 * The OpenAPI document served at /docs-json. Needs only the app's routes, so it also works on an
 * app created with `preview: true` (no database): `npm run client:generate` uses it that way.
 */
export function createApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sundial')
      .setDescription(
        'Versioned triggers and an exactly-once scheduler. Every error has the body ' +
          '`{ statusCode, code, message, details?, requestId }`. When API keys are configured, ' +
          'every route but /health/* needs `Authorization: Bearer <key>` ("Authorize" above).',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key' }, 'bearer')
      .addSecurityRequirements('bearer')
      .build(),
  );
  // Health stays open: no credential needed there.
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/health/')) continue;
    for (const operation of Object.values(item)) {
      if (operation && typeof operation === 'object' && 'responses' in operation) {
        (operation as { security?: unknown[] }).security = [];
      }
    }
  }
  return document;
}

/**
 * Timeouts and a connection cap (HTTP_HEADERS_TIMEOUT, HTTP_REQUEST_TIMEOUT,
 * HTTP_KEEP_ALIVE_TIMEOUT, HTTP_MAX_CONNECTIONS; docs/api-limits.md). Node checks the header and
 * request timeouts on an interval (30 s by default), read when the server starts listening: it
 * is shortened so that a timeout is enforced within about a quarter of its length.
 */
function applyServerLimits(server: Server, limits: HttpServerConfig): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  const interval = Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)));
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    interval;
}

/**
 * Requests Node's HTTP parser rejects before Express sees them (headers or URL over 16 KiB,
 * malformed request lines) get the API's error body too, instead of Node's bare status line.
 */
function answerClientErrors(server: Server, log: PinoLogger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    const requestId = randomUUID();
    const body = JSON.stringify({
      statusCode: status,
      code: 'VALIDATION_FAILED',
      message:
        status === 431
          ? 'the request line and headers exceed 16 KiB'
          : status === 408
            ? 'the request took too long to arrive'
            : 'the request is not valid HTTP',
      requestId,
    });
    log.info(
      { requestId, statusCode: status, parserError: err.code },
      'request rejected by the HTTP parser',
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
}
