import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');

const YAML_FILE = (taskVersion: string) => `
# schedules of two tasks, kept in git
tasks:
  - project: files
    domain: prod
    taskName: export.nightly
    prune: true
    triggers:
      - name: eu
        spec: { taskVersion: ${taskVersion}, inputs: { region: eu } }
        automationSpec:
          type: SCHEDULE
          schedule: { cron: { expression: "0 2 * * *", timezone: Europe/Berlin } }
      - name: us
        spec: { taskVersion: ${taskVersion} }
        automationSpec: { type: SCHEDULE, schedule: { rate: { value: 6, unit: HOUR } } }
  - project: files
    domain: prod
    taskName: cleanup
    triggers:
      - name: manual-only
        spec: { taskVersion: v1, active: false }
        automationSpec: { type: NONE }
`;

describe('TRIGGERS_FILE at start-up (e2e)', () => {
  let db: TestDatabase;
  let dir: string;
  let app: TestApp | undefined;

  beforeAll(async () => {
    db = await TestDatabase.create();
    dir = mkdtempSync(join(tmpdir(), 'sundial-triggers-file-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  const history = async (key: string) =>
    (await app!.http().get(`/triggers/files/prod/${key}/revisions`).expect(200)).body.revisions as {
      revision: number;
      actor: string;
    }[];

  it('applies the file with the actor "config"; a second start writes no revision', async () => {
    const path = file('triggers.yaml', YAML_FILE('v1'));
    app = await startApp(db, { TRIGGERS_FILE: path });
    const eu = await app.http().get('/triggers/files/prod/export.nightly/eu').expect(200);
    expect(eu.body.metadata).toEqual({ deployedBy: 'config', updatedBy: 'config' });
    expect(eu.body.spec.inputs).toEqual({ region: 'eu' });
    const none = await app.http().get('/triggers/files/prod/cleanup/manual-only').expect(200);
    expect(none.body.spec.active).toBe(false);
    await app.close();

    app = await startApp(db, { TRIGGERS_FILE: path });
    expect(await history('export.nightly/eu')).toEqual([
      expect.objectContaining({ revision: 1, actor: 'config' }),
    ]);
    expect(await history('cleanup/manual-only')).toHaveLength(1);
    await app.close();

    // a changed file updates what changed; prune removes what the file no longer lists
    const json = {
      tasks: [
        {
          project: 'files',
          domain: 'prod',
          taskName: 'export.nightly',
          prune: true,
          triggers: [
            {
              name: 'eu',
              spec: { taskVersion: 'v2', inputs: { region: 'eu' } },
              automationSpec: {
                type: 'SCHEDULE',
                schedule: { cron: { expression: '0 2 * * *', timezone: 'Europe/Berlin' } },
              },
            },
          ],
        },
      ],
    };
    app = await startApp(db, { TRIGGERS_FILE: file('triggers.json', JSON.stringify(json)) });
    expect((await history('export.nightly/eu')).map((r) => [r.revision, r.actor])).toEqual([
      [2, 'config'],
      [1, 'config'],
    ]);
    await app.http().get('/triggers/files/prod/export.nightly/us').expect(404);
    await app.http().get('/triggers/files/prod/cleanup/manual-only').expect(200);
  });

  it('refuses to start on an invalid file, naming the file, the trigger and the field; writes nothing', async () => {
    const cases: [string, string][] = [
      [
        YAML_FILE('v1').replace('taskVersion: v1, active: false', 'taskVersion: "", active: false'),
        'tasks[1].triggers[0].spec.taskVersion: taskVersion must be longer than or equal to 1 characters (trigger "manual-only")',
      ],
      [
        YAML_FILE('v1').replace('0 2 * * *', '0 26 * * *'),
        'tasks[0].triggers[0].automationSpec.schedule.cron.expression: trigger "eu" has invalid cron expression',
      ],
      [
        YAML_FILE('v1').replace('prune: true', 'prune: yes please'),
        'tasks[0].prune: must be true or false',
      ],
      [YAML_FILE('v1').replace('domain: prod', 'domian: prod'), 'tasks[0].domian: unknown field'],
      [
        YAML_FILE('v1').replace('project: files', 'project: Files'),
        'tasks[0].project: "Files" is not a valid project',
      ],
      ['tasks: [ { project: a', 'not valid YAML or JSON'],
    ];
    for (const [i, [text, expected]] of cases.entries()) {
      const renamed = text
        .replace('taskName: export.nightly', 'taskName: export-bad')
        .replace('taskName: cleanup', 'taskName: cleanup-bad');
      const path = file(`bad-${i}.yaml`, renamed);
      const started = startApp(db, { TRIGGERS_FILE: path });
      await expect(started).rejects.toThrow(`TRIGGERS_FILE ${path}: ${expected}`);
    }
    // the first task of the first bad file is valid: it was not applied either
    app = await startApp(db);
    await app.http().get('/triggers/files/prod/export-bad/eu').expect(404);
    await app.http().get('/triggers/files/prod/cleanup-bad/manual-only').expect(404);
  });

  it('the real process stops with one line and exit code 2 before opening the database', async () => {
    const path = file('bad.yaml', YAML_FILE('v1').replace('name: us', 'name: "us west"'));
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
          {
            cwd: ROOT,
            env: {
              PATH: process.env.PATH ?? '',
              TRIGGERS_FILE: path,
              PORT: '0',
              DATA_DIR: join(dir, 'never-opened'),
            },
            timeout: 60_000,
          },
          (error, _stdout, err) =>
            resolve({ code: error ? (error.code as number) : 0, stderr: err }),
        );
      },
    );
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^TRIGGERS_FILE ${path}: tasks\\[0\\]\\.triggers\\[1\\]\\.name: name must be .*\\(trigger "us west"\\)$`,
        ),
      ),
    ]);
  });
});
