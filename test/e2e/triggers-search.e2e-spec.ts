import { aName, aTrigger, triggerPath } from '../support/builders';
import { useTestApp } from '../support/test-app';

/** `GET /triggers?nameContains=` (the dashboard's name search, docs/dashboard.md). */
describe('GET /triggers?nameContains (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const project = 'search';

  beforeAll(async () => {
    for (const name of [
      'Nightly-Export',
      'nightly_backup',
      'hourly-sync',
      'a.b',
      'weekly-export',
    ]) {
      await http()
        .put(triggerPath(aName({ project, name })))
        .send(aTrigger().build())
        .expect(201);
    }
  });

  const names = async (query: Record<string, string>): Promise<string[]> => {
    const res = await http()
      .get('/triggers')
      .query({ project, sort: 'name:asc', ...query })
      .expect(200);
    return (res.body.triggers as { id: { name: { name: string } } }[]).map((t) => t.id.name.name);
  };

  it('matches a part of the name in any case', async () => {
    await expect(names({ nameContains: 'EXPORT' })).resolves.toEqual([
      'Nightly-Export',
      'weekly-export',
    ]);
    await expect(names({ nameContains: 'nightly' })).resolves.toEqual([
      'Nightly-Export',
      'nightly_backup',
    ]);
  });

  it('takes % and _ literally', async () => {
    await expect(names({ nameContains: '%' })).resolves.toEqual([]);
    await expect(names({ nameContains: '.' })).resolves.toEqual(['a.b']);
    await expect(names({ nameContains: '_' })).resolves.toEqual(['nightly_backup']);
  });

  it('pages through the matches; a token is bound to its search', async () => {
    const first = await http()
      .get('/triggers')
      .query({ project, sort: 'name:asc', nameContains: 'ly', limit: '1' })
      .expect(200);
    expect(first.body.triggers).toHaveLength(1);
    const second = await http()
      .get('/triggers')
      .query({ project, sort: 'name:asc', nameContains: 'ly', limit: '5', token: first.body.token })
      .expect(200);
    const seen = [...first.body.triggers, ...second.body.triggers].map(
      (t: { id: { name: { name: string } } }) => t.id.name.name,
    );
    expect(seen.sort()).toEqual([
      'Nightly-Export',
      'hourly-sync',
      'nightly_backup',
      'weekly-export',
    ]);
    expect(second.body.token).toBeNull();
    const other = await http()
      .get('/triggers')
      .query({ project, sort: 'name:asc', nameContains: 'export', token: first.body.token })
      .expect(400);
    expect(other.body.details[0].field).toBe('token');
  });

  it('refuses an empty or overlong search with the field named', async () => {
    for (const bad of ['', 'x'.repeat(256)]) {
      const res = await http().get('/triggers').query({ nameContains: bad }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details[0].field).toBe('nameContains');
    }
  });
});
