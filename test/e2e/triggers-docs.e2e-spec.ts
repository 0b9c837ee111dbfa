import { useTestApp } from '../support/test-app';

interface Operation {
  responses: Record<string, { content?: Record<string, { examples?: object; schema?: object }> }>;
  requestBody?: { content: Record<string, { examples?: object }> };
  parameters?: { name: string; in: string }[];
}

describe('Swagger for the trigger API (e2e)', () => {
  const ctx = useTestApp();

  it('documents every trigger endpoint with its body, responses and errors with examples', async () => {
    const doc = (await ctx.app().http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const key = '/triggers/{project}/{domain}/{taskName}/{name}';
    const expected: [string, string, string[]][] = [
      ['/triggers', 'get', ['200', '400']],
      ['/triggers/activate', 'post', ['200', '400', '413', '415']],
      ['/triggers/deactivate', 'post', ['200', '400']],
      ['/triggers/delete', 'post', ['200', '400']],
      [key, 'put', ['200', '201', '400', '409', '412', '413', '415', '503']],
      [key, 'get', ['200', '400', '404']],
      [key, 'delete', ['204', '400', '404']],
      [`${key}/revisions`, 'get', ['200', '400', '404']],
      [`${key}/revisions/{revision}`, 'get', ['200', '400', '404']],
      [`${key}/runs`, 'get', ['200', '400', '404']],
      [`${key}/fire`, 'post', ['200', '201', '400', '404']],
      [`${key}/backfill`, 'post', ['200', '400', '404', '413', '415']],
      [`${key}/preview`, 'get', ['200', '400', '404']],
      ['/schedules/preview', 'post', ['200', '400', '413', '415']],
    ];
    for (const [path, method, statuses] of expected) {
      const op = doc.paths[path]?.[method];
      expect([path, method, op !== undefined]).toEqual([path, method, true]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(statuses));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const examples = op.responses[status].content?.['application/json']?.examples;
        expect([path, method, status, examples !== undefined]).toEqual([
          path,
          method,
          status,
          true,
        ]);
      }
    }
    const put = doc.paths[key].put;
    expect(put.requestBody!.content['application/json'].examples).toBeDefined();
    expect(put.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(['project', 'domain', 'taskName', 'name', 'If-Match']),
    );
    const list = doc.paths['/triggers'].get;
    expect(list.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'project',
        'domain',
        'taskName',
        'taskVersion',
        'active',
        'automationType',
        'sort',
        'limit',
        'token',
      ]),
    );
    for (const schema of [
      'DeployTriggerDto',
      'TriggerDetailsDto',
      'TriggerStatusDto',
      'BulkNamesDto',
      'BulkResultDto',
      'RevisionListDto',
      'RevisionDetailsDto',
      'ErrorResponseDto',
    ]) {
      expect([
        schema,
        Object.keys(doc.components.schemas[schema]?.properties ?? {}).length > 0,
      ]).toEqual([schema, true]);
    }
  });
});
