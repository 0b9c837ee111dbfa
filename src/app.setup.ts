import { INestApplication, Logger } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { bodyParsingMiddleware } from './common/body-parsing';
import { HttpErrorFilter, writeError } from './common/http-error.filter';
import { requestIdMiddleware } from './common/request-id';
import { createValidationPipe } from './common/validation';

const logger = new Logger('Http');

/**
 * Everything an app needs before it serves: request ids, JSON body parsing, the validation pipe,
 * the error filter and Swagger. Shared by main.ts and the e2e tests so both run the same app.
 */
export function configureApp(app: INestApplication): void {
  const express = app.getHttpAdapter().getInstance() as {
    disable(name: string): void;
    set(name: string, value: unknown): void;
  };
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  app.use(requestIdMiddleware);
  app.use(...bodyParsingMiddleware());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sundial')
      .setDescription(
        'Versioned triggers and an exactly-once scheduler. Every error has the body ' +
          '`{ statusCode, code, message, details?, requestId }`.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** Errors that escape Nest's router (e.g. a malformed percent-encoding) still get the API's body. */
export function lastResortErrorHandler(
  err: unknown,
  req: Request,
  res: Response,
  _next: NextFunction,
): void {
  writeError(err, req, res, logger);
}
