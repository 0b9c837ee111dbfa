import { DataSource } from 'typeorm';
import { useTestApp } from '../support/test-app';

describe('schema and migrations (e2e)', () => {
  const ctx = useTestApp();
  const dataSource = () => ctx.app().app.get(DataSource);

  it('matches the entities: migration:generate would find nothing to change', async () => {
    const diff = await dataSource().driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('reverting event triggers refuses while an EVENT trigger is live, and works once it is deleted', async () => {
    const ds = dataSource();
    const path = '/triggers/p/d/schema/on-event';
    await ctx
      .app()
      .http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1' },
        automationSpec: { type: 'EVENT', event: { type: 'x' } },
      })
      .expect(201);
    const last = async () =>
      (
        await ds.query<{ name: string }[]>(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`)
      )[0].name;
    while ((await last()) !== 'EventTriggers1765001700000') await ds.undoLastMigration();
    await expect(ds.undoLastMigration()).rejects.toThrow(
      /cannot revert EventTriggers1765001700000: 1 EVENT trigger\(s\) exist; delete them first/,
    );
    expect(await last()).toBe('EventTriggers1765001700000');
    await ctx.app().http().delete(path).expect(204);
    await ds.undoLastMigration();
    const [row] = await ds.query<{ type: string }[]>(
      `SELECT automation_type AS type FROM triggers WHERE task_name = 'schema'`,
    );
    expect(row.type).toBe('NONE');
    await ds.runMigrations();
    expect(await last()).toBe(ds.migrations[ds.migrations.length - 1].name);
  });

  it('reverts every migration and applies them again', async () => {
    const ds = dataSource();
    const count = ds.migrations.length;
    for (let i = 0; i < count; i++) await ds.undoLastMigration();
    const tables: { table_name: string }[] = await ds.query(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_name <> 'migrations'`,
    );
    expect(tables).toEqual([]);
    const applied = await ds.runMigrations();
    expect(applied.map((m) => m.name)).toEqual(ds.migrations.map((m) => m.name));
    await ctx.app().http().get('/health/ready').expect(200);
  });
});
