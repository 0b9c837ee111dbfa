import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, listenOnRandomPort } from '../support/cli';
import { useTestApp } from '../support/test-app';

const FILE = (version: string, extra = '') => `
tasks:
  - project: apply
    domain: prod
    taskName: export
    triggers:
      - name: eu
        spec: { taskVersion: ${version}, inputs: { region: eu } }
        automationSpec:
          type: SCHEDULE
          schedule: { cron: { expression: "0 2 * * *", timezone: Europe/Berlin } }
${extra}
  - project: apply
    domain: prod
    taskName: report
    triggers:
      - name: weekly
        spec: { taskVersion: v1 }
        automationSpec: { type: SCHEDULE, schedule: { cron: { expression: "0 8 * * 1" } } }
`;

const US = `      - name: us
        spec: { taskVersion: v1 }
        automationSpec: { type: NONE }`;

describe('sundial apply -f (e2e)', () => {
  const ctx = useTestApp();
  let url: string;
  let dir: string;
  const run = (...args: string[]) => cli(['--url', url, ...args]);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const revision = async (key: string) =>
    (await ctx.app().http().get(`/triggers/apply/prod/${key}`)).body?.id?.revision as
      number | undefined;

  beforeAll(async () => {
    url = await listenOnRandomPort(ctx.app().app);
    dir = mkdtempSync(join(tmpdir(), 'sundial-apply-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run shows what would change and writes nothing', async () => {
    const r = await run('apply', '-f', file('dry.yaml', FILE('v1', US)), '--dry-run');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('task apply/prod/export\n  + eu  would be created (revision 1)');
    expect(r.stdout).toContain('      + spec.taskVersion: "v1"');
    expect(r.stdout).toContain('      + automationSpec.schedule.cron.timezone: "Europe/Berlin"');
    expect(r.stdout.trim().split('\n').pop()).toBe(
      'dry run: 3 created, 0 updated, 0 unchanged, 0 deleted; nothing written',
    );
    expect(await revision('export/eu')).toBeUndefined();
  });

  it('applies, then reports unchanged, then a readable diff of what changed, then prunes', async () => {
    const first = await run('-o', 'json', 'apply', '-f', file('v1.yaml', FILE('v1', US)));
    expect(first.code).toBe(0);
    const body = JSON.parse(first.stdout);
    expect(body.dryRun).toBe(false);
    expect(
      body.tasks.map((t: { taskName: string; triggers: { name: string; outcome: string }[] }) => [
        t.taskName,
        t.triggers.map((i) => `${i.name}:${i.outcome}`),
      ]),
    ).toEqual([
      ['export', ['eu:created', 'us:created']],
      ['report', ['weekly:created']],
    ]);

    const again = await run('apply', '-f', file('v1.yaml', FILE('v1', US)));
    expect(again.stdout).toContain('  = eu  unchanged (revision 1)');
    expect(again.stdout.trim().split('\n').pop()).toBe(
      '0 created, 0 updated, 3 unchanged, 0 deleted',
    );

    const changed = await run('apply', '-f', file('v2.yaml', FILE('v2')));
    expect(changed.stdout).toContain(
      '  ~ eu  updated (revision 2)\n      ~ spec.taskVersion: "v1" -> "v2"\n',
    );
    expect(changed.stdout).not.toContain('us');
    expect(await revision('export/us')).toBe(1);

    const pruned = await run('apply', '-f', file('v2.yaml', FILE('v2')), '--prune');
    expect(pruned.stdout).toContain('  - us  deleted (revision 2)');
    expect(pruned.stdout.trim().split('\n').pop()).toBe(
      '0 created, 0 updated, 2 unchanged, 1 deleted',
    );
    expect(await revision('export/us')).toBeUndefined();
  });

  it('an invalid trigger anywhere in the file writes nothing and exits 1 naming it', async () => {
    const text = FILE('v3').replace('taskVersion: v1 }', 'taskVersion: v1, colour: red }');
    const r = await run('apply', '-f', file('bad.yaml', text));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `error: VALIDATION_FAILED (400): ${join(dir, 'bad.yaml')}, task apply/prod/report: triggers[0].spec.colour: unknown field (trigger "weekly")`,
    );
    expect(r.stderr).toContain('  triggers[0].spec.colour: unknown field (trigger "weekly")');
    // the first task is valid and would change (v2 -> v3), but nothing was written
    expect(await revision('export/eu')).toBe(2);

    const shape = await run('apply', '-f', file('shape.yaml', 'tasks:\n  - project: 5\n'));
    expect(shape.code).toBe(1);
    expect(shape.stderr).toBe(
      `error: ${join(dir, 'shape.yaml')}: tasks[0].project: must be a string\n`,
    );
    const json = await run('-o', 'json', 'apply', '-f', join(dir, 'shape.yaml'));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { message: `${join(dir, 'shape.yaml')}: tasks[0].project: must be a string` },
    });
    const missing = await run('apply', '-f', join(dir, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read .*nope\.yaml: ENOENT/);
    expect((await run('apply')).code).toBe(2);
  });
});
