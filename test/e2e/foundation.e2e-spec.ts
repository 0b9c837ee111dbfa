import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../src/config/app-config';
import { useTestApp } from '../support/test-app';

describe('foundation (e2e)', () => {
  const ctx = useTestApp();

  it('answers liveness and readiness with the database up and migrated', async () => {
    await ctx.app().http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await ctx.app().http().get('/health/ready').expect(200);
    expect(ready.body.details.database.status).toBe('up');
    expect(ready.body.details.migrations.status).toBe('up');
  });

  it('answers an unknown route with 404 NOT_FOUND in the error shape', async () => {
    const res = await ctx.app().http().get('/no/such/route').expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: expect.any(String),
      requestId: res.headers['x-request-id'],
    });
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const kept = await ctx.app().http().get('/health/live').set('X-Request-Id', 'abc-123.x_y');
    expect(kept.headers['x-request-id']).toBe('abc-123.x_y');
    const replaced = await ctx.app().http().get('/health/live').set('X-Request-Id', 'bad id!');
    expect(replaced.headers['x-request-id']).not.toBe('bad id!');
    expect(replaced.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  });

  it('rejects malformed JSON with 400, a wrong content type with 415, a huge body with 413', async () => {
    const malformed = await ctx
      .app()
      .http()
      .post('/schedules/preview')
      .set('Content-Type', 'application/json')
      .send('{"a":')
      .expect(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
    const text = await ctx
      .app()
      .http()
      .post('/schedules/preview')
      .set('Content-Type', 'text/plain')
      .send('hi')
      .expect(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await ctx
      .app()
      .http()
      .post('/schedules/preview')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ s: 'x'.repeat(1024 * 1024 + 10) }))
      .expect(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects U+0000 anywhere in a JSON body with the field named', async () => {
    const res = await ctx
      .app()
      .http()
      .post('/schedules/preview')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ spec: { inputs: { a: ['ok', 'bad\u0000'] } } }))
      .expect(400);
    expect(res.body.details).toEqual([
      { field: 'spec.inputs.a[1]', message: expect.stringContaining('U+0000') },
    ]);
  });

  it('serves the OpenAPI document', async () => {
    const res = await ctx.app().http().get('/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toContain('/health/ready');
  });
});

describe('configuration in the app (e2e)', () => {
  const ctx = useTestApp({ TRIGGER_SCHEDULER_EXECUTION_QPS: '42' });

  it('injects the validated configuration, also through ConfigService', () => {
    const app = ctx.app().app;
    expect(app.get(AppConfig).scheduler.executionQps).toBe(42);
    expect(app.get(ConfigService).get('scheduler.executionQps')).toBe(42);
  });
});
