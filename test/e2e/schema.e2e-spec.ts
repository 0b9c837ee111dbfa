import { DataSource } from 'typeorm';
import { useTestApp } from '../support/test-app';

describe('schema and migrations (e2e)', () => {
  const ctx = useTestApp();
  const dataSource = () => ctx.app().app.get(DataSource);

  it('matches the entities: migration:generate would find nothing to change', async () => {
    const diff = await dataSource().driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
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
