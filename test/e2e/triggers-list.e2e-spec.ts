import { DataSource } from 'typeorm';
import {
  aName,
  aTrigger,
  triggerPath,
  uniquePart,
  type TriggerNameBody,
} from '../support/builders';
import { useTestApp } from '../support/test-app';

interface Listed {
  id: { name: TriggerNameBody; revision: number };
  spec: { active: boolean };
}

describe('GET /triggers (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const db = () => ctx.app().app.get(DataSource);
  const deploy = async (n: TriggerNameBody, body = aTrigger().build()) =>
    http().put(triggerPath(n)).send(body).expect(201);
  const names = (res: { body: { triggers: Listed[] } }) =>
    res.body.triggers.map((t) => t.id.name.name);
  const list = (query: Record<string, string>) => http().get('/triggers').query(query);

  /** Every page of a list, following tokens; `between` runs after each page. */
  async function allPages(
    query: Record<string, string>,
    between: () => Promise<void> = async () => {},
  ): Promise<string[]> {
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res: { body: { triggers: Listed[]; token: string | null } } = await list(
        token ? { ...query, token } : query,
      ).expect(200);
      seen.push(...names(res));
      token = res.body.token;
      if (!token) return seen;
      await between();
    }
    throw new Error('too many pages');
  }

  it('filters by project, domain, taskName, taskVersion, active and automationType', async () => {
    const project = uniquePart('f');
    const a = aName({ project, domain: 'dev', taskName: 'alpha', name: 'a' });
    const b = aName({ project, domain: 'prod', taskName: 'alpha', name: 'b' });
    const c = aName({ project, domain: 'dev', taskName: 'beta', name: 'c' });
    await deploy(a, aTrigger().withTaskVersion('v1').build());
    await deploy(b, aTrigger().withTaskVersion('v2').inactive().build());
    await deploy(c, aTrigger().withTaskVersion('v1').withNoSchedule().build());
    await deploy(aName({ project: uniquePart('other') }));
    const sorted = (res: { body: { triggers: Listed[] } }) => names(res).sort();
    expect(sorted(await list({ project }).expect(200))).toEqual(['a', 'b', 'c']);
    expect(sorted(await list({ project, domain: 'dev' }).expect(200))).toEqual(['a', 'c']);
    expect(sorted(await list({ project, taskName: 'alpha' }).expect(200))).toEqual(['a', 'b']);
    expect(sorted(await list({ project, taskVersion: 'v1' }).expect(200))).toEqual(['a', 'c']);
    expect(sorted(await list({ project, active: 'false' }).expect(200))).toEqual(['b']);
    expect(sorted(await list({ project, active: 'true' }).expect(200))).toEqual(['a', 'c']);
    expect(sorted(await list({ project, automationType: 'NONE' }).expect(200))).toEqual(['c']);
    expect(sorted(await list({ project, automationType: 'SCHEDULE' }).expect(200))).toEqual([
      'a',
      'b',
    ]);
    const full = await list({ project, domain: 'dev', taskName: 'alpha' }).expect(200);
    expect(full.body).toEqual({
      triggers: [expect.objectContaining({ id: { name: a, revision: 1 } })],
      token: null,
    });
  });

  it('leaves deleted triggers out', async () => {
    const project = uniquePart('d');
    const keep = aName({ project, name: 'keep' });
    const gone = aName({ project, name: 'gone' });
    await deploy(keep);
    await deploy(gone);
    await http().delete(triggerPath(gone)).expect(204);
    expect(names(await list({ project }).expect(200))).toEqual(['keep']);
  });

  it('sorts active first, then newest update, ties by name parts; and by each sort field', async () => {
    const project = uniquePart('s');
    const n = (name: string, taskName = 'task') =>
      aName({ project, domain: 'dev', taskName, name });
    await deploy(n('old-active', 'zeta'));
    await deploy(n('inactive', 'alpha'), aTrigger().inactive().build());
    await deploy(n('new-active', 'mid'));
    await deploy(n('b-tie', 'mid'));
    await deploy(n('a-tie', 'mid'));
    // a-tie and b-tie share one update time
    await db().query(
      `UPDATE triggers SET updated_at = '2030-01-01T00:00:00Z' WHERE project = $1 AND name IN ('a-tie', 'b-tie')`,
      [project],
    );
    await db().query(`UPDATE triggers SET triggered_at = $2 WHERE project = $1 AND name = $3`, [
      project,
      '2026-01-02T00:00:00Z',
      'inactive',
    ]);
    await db().query(`UPDATE triggers SET triggered_at = $2 WHERE project = $1 AND name = $3`, [
      project,
      '2026-01-01T00:00:00Z',
      'new-active',
    ]);
    // ties go by the name parts in the order's direction (descending for the default order)
    expect(names(await list({ project }).expect(200))).toEqual([
      'b-tie',
      'a-tie',
      'new-active',
      'old-active',
      'inactive',
    ]);
    // by all four name parts: the task names alpha < mid < zeta come before the names
    const byName = ['inactive', 'a-tie', 'b-tie', 'new-active', 'old-active'];
    expect(names(await list({ project, sort: 'name' }).expect(200))).toEqual(byName);
    expect(names(await list({ project, sort: 'name:asc' }).expect(200))).toEqual(byName);
    expect(names(await list({ project, sort: 'name:desc' }).expect(200))).toEqual(
      [...byName].reverse(),
    );
    expect(names(await list({ project, sort: 'taskName' }).expect(200))).toEqual([
      'inactive',
      'a-tie',
      'b-tie',
      'new-active',
      'old-active',
    ]);
    expect(names(await list({ project, sort: 'deployedAt:desc' }).expect(200))).toEqual([
      'a-tie',
      'b-tie',
      'new-active',
      'inactive',
      'old-active',
    ]);
    expect(names(await list({ project, sort: 'updatedAt' }).expect(200))).toEqual([
      'old-active',
      'inactive',
      'new-active',
      'a-tie',
      'b-tie',
    ]);
    // never triggered sorts as earliest: first ascending, last descending
    expect(names(await list({ project, sort: 'triggeredAt' }).expect(200))).toEqual([
      'a-tie',
      'b-tie',
      'old-active',
      'new-active',
      'inactive',
    ]);
    expect(names(await list({ project, sort: 'triggeredAt:desc' }).expect(200))).toEqual([
      'inactive',
      'new-active',
      'old-active',
      'b-tie',
      'a-tie',
    ]);
  });

  it.each([
    undefined,
    'name',
    'name:desc',
    'updatedAt',
    'updatedAt:desc',
    'deployedAt',
    'triggeredAt:desc',
    'taskName:desc',
  ])(
    'pages by cursor (sort %s): each pre-existing trigger exactly once while new ones are inserted',
    async (sort) => {
      const project = uniquePart('p');
      const existing: string[] = [];
      for (let i = 0; i < 23; i++) {
        const name = `t${String(i).padStart(2, '0')}-${uniquePart('n')}`;
        existing.push(name);
        await deploy(
          aName({ project, taskName: `task${i % 4}`, name }),
          i % 3 === 0 ? aTrigger().inactive().build() : aTrigger().build(),
        );
      }
      // identical timestamps to the microsecond must not skip or repeat rows
      await db().query(
        `UPDATE triggers SET updated_at = '2031-05-05T05:05:05.123456Z', deployed_at = '2031-05-05T05:05:05.123456Z' WHERE project = $1 AND name LIKE 't1%'`,
        [project],
      );
      let inserted = 0;
      const query: Record<string, string> = { project, limit: '5' };
      if (sort) query.sort = sort;
      const seen = await allPages(query, async () => {
        for (let i = 0; i < 2; i++) {
          await deploy(
            aName({ project, taskName: 'task1', name: `new-${inserted++}` }),
            inserted % 2 ? aTrigger().inactive().build() : aTrigger().build(),
          );
        }
      });
      const pre = seen.filter((n) => !n.startsWith('new-'));
      expect(pre.sort()).toEqual([...existing].sort());
      expect(new Set(seen).size).toBe(seen.length);
    },
  );

  it('pages with limit 1–500 (default 50) and may change the limit between pages', async () => {
    const project = uniquePart('l');
    for (let i = 0; i < 53; i++) await deploy(aName({ project, name: `n${i}` }));
    const first = await list({ project }).expect(200);
    expect(first.body.triggers).toHaveLength(50);
    expect(first.body.token).toEqual(expect.any(String));
    const rest = await list({ project, token: first.body.token, limit: '2' }).expect(200);
    expect(rest.body.triggers).toHaveLength(2);
    const last = await list({ project, token: rest.body.token, limit: '500' }).expect(200);
    expect(last.body.triggers).toHaveLength(1);
    expect(last.body.token).toBeNull();
    const exact = await list({ project, limit: '53' }).expect(200);
    expect(exact.body.token).toBeNull();
  });

  it('answers a query parameter named like a derived DTO value as an unknown field (400, not 500)', async () => {
    const n = aName();
    await deploy(n);
    const cases: [string, Record<string, string>][] = [
      ['/triggers', { pageSize: '5' }],
      ['/triggers', { activeFilter: 'true' }],
      ['/triggers', { order: 'name' }],
      [`${triggerPath(n)}/runs`, { pageSize: '5' }],
      ['/runs', { pageSize: '5' }],
      [`${triggerPath(n)}/preview`, { countValue: '3' }],
    ];
    for (const [path, q] of cases) {
      const res = await http().get(path).query(q).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.details)).toContain(Object.keys(q)[0]);
    }
  });

  it('rejects bad query values, unknown parameters, and garbage, tampered or reused tokens', async () => {
    const project = uniquePart('q');
    for (let i = 0; i < 3; i++) await deploy(aName({ project, name: `n${i}` }));
    const page = await list({ project, limit: '1' }).expect(200);
    const token: string = page.body.token;
    const [payload, mac] = token.split('.');
    const tampered = `${Buffer.from(JSON.stringify(['false', '2000-01-01 00:00:00+00', 'a', 'b', 'c', 'd'])).toString('base64url')}.${mac}`;
    const bad: Record<string, string>[] = [
      { limit: '0' },
      { limit: '501' },
      { limit: 'abc' },
      { limit: '1.5' },
      { limit: '-1' },
      { limit: '' },
      { limit: '05' },
      { sort: 'foo' },
      { sort: 'name:up' },
      { sort: 'name:asc:x' },
      { active: 'yes' },
      { automationType: 'CRON' },
      { project: 'Bad' },
      { domain: '-x' },
      { taskName: '.x' },
      { taskVersion: 'v'.repeat(64) },
      { taskVersion: 'v\u0000' },
      { domain: '\u0000' },
      { unknown: '1' },
      { token: 'garbage' },
      { token: '' },
      { token: 'x'.repeat(3000) },
      { token: `${payload}.AAAA` },
      { token: `${payload}x.${mac}` },
      { token: tampered },
      { project, token: `${token}`, sort: 'name' },
      { project: uniquePart('other'), token },
      { project, active: 'true', token },
      { token },
    ];
    for (const query of bad) {
      const res = await http().get('/triggers').query(query);
      expect([query, res.status, res.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
    const nul = await list({ taskVersion: 'v\u0000' }).expect(400);
    expect(nul.body.details).toEqual([
      { field: 'taskVersion', message: expect.stringContaining('U+0000') },
    ]);
    const repeated = await http().get(`/triggers?limit=1&limit=2`);
    expect([repeated.status, repeated.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    await list({ project, token, limit: '1' }).expect(200);
  });
});
