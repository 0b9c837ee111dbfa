import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { aName, aTrigger, triggerPath, type TriggerNameBody } from '../support/builders';
import { cli, cliProcess, listenOnRandomPort } from '../support/cli';
import { useTestApp } from '../support/test-app';

const KEY = 'sdl_cli-admin-key';
const READER = 'sdl_cli-reader-key';
const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
const HOUR = 3_600_000;

/** A local port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('sundial CLI against a real app (e2e)', () => {
  const ctx = useTestApp({
    API_KEYS: `cli-admin:admin:${sha(KEY)},cli-reader:reader:${sha(READER)}`,
  });
  let url: string;
  const project = 'cli';
  const key = (n: TriggerNameBody) => `${n.project}/${n.domain}/${n.taskName}/${n.name}`;
  /** the CLI with the address and key from flags */
  const run = (...args: string[]) => cli(['--url', url, '--api-key', KEY, ...args]);
  const deploy = async (n: TriggerNameBody, body: object) =>
    ctx
      .app()
      .http()
      .put(triggerPath(n))
      .set('Authorization', `Bearer ${KEY}`)
      .send(body)
      .expect((r) => expect([200, 201]).toContain(r.status));

  const hourly = aName({ project, name: 'hourly' });
  const daily = aName({ project, name: 'daily' });

  beforeAll(async () => {
    url = await listenOnRandomPort(ctx.app().app);
    await deploy(hourly, aTrigger().withCron('0 * * * *').withInputs({ region: 'eu' }).build());
    await deploy(daily, aTrigger().withCron('30 2 * * *', 'Europe/Berlin').build());
    await deploy(
      daily,
      aTrigger().withCron('30 3 * * *', 'Europe/Berlin').withTaskVersion('v2').build(),
    );
  });

  it('get: human details by default, the API body with --output json', async () => {
    const human = await run('get', key(daily));
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toContain(`${key(daily)}  (revision 2)`);
    expect(human.stdout).toMatch(/schedule\s+cron "30 3 \* \* \*" Europe\/Berlin/);
    expect(human.stdout).toMatch(/task version\s+v2/);

    const json = await run('--output', 'json', 'get', key(daily));
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.id).toEqual({ name: daily, revision: 2 });
    expect(body.spec.taskVersion).toBe('v2');
  });

  it("exits 1 with the API's code and message on an API error", async () => {
    const missing = await run('get', `${project}/dev/task.export/nope`);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^error: TRIGGER_NOT_FOUND \(404\): .*nope/);

    const json = await run('-o', 'json', 'get', `${project}/dev/task.export/nope`);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({
      statusCode: 404,
      code: 'TRIGGER_NOT_FOUND',
    });

    const unauthenticated = await cli(['--url', url, 'list']);
    expect(unauthenticated.code).toBe(1);
    expect(unauthenticated.stderr).toContain('UNAUTHENTICATED (401)');

    const forbidden = await cli(['--url', url, '--api-key', READER, 'fire', key(hourly)]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('FORBIDDEN (403)');

    const invalid = await run('preview', '--cron', '61 * * * *');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('INVALID_SCHEDULE (400)');

    const closed = await closedPort();
    const unreachable = await cli(['--url', `http://127.0.0.1:${closed}`, 'list']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `UNREACHABLE: cannot reach http://127.0.0.1:${closed}: ECONNREFUSED`,
    );
  });

  it('exits 2 on a wrong command line, before calling the API', async () => {
    for (const args of [
      ['get', 'only/three/parts'],
      ['list', '--limit', '0'],
      ['frobnicate'],
      ['diff', key(daily), '1'],
      ['preview'],
      ['-o', 'yaml', 'list'],
    ]) {
      const r = await run(...args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toMatch(/error/);
    }
  });

  it('list: filters, a table for people, the page for scripts', async () => {
    const human = await run('list', '--project', project, '--sort', 'name');
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TRIGGER\s+ACTIVE\s+SCHEDULE\s+VERSION\s+REV\s+NEXT FIRE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([key(daily), key(hourly)]);

    const json = await run('-o', 'json', 'list', '--project', project, '--limit', '1');
    const page = JSON.parse(json.stdout);
    expect(page.triggers).toHaveLength(1);
    expect(page.token).toEqual(expect.any(String));
    const next = await run(
      '-o',
      'json',
      'list',
      '--project',
      project,
      '--limit',
      '1',
      '--token',
      page.token,
    );
    expect(JSON.parse(next.stdout).triggers).toHaveLength(1);
  });

  it('history and diff between two revisions', async () => {
    const history = await run('history', key(daily));
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/^REV\s+ACTION\s+ACTOR/);
    expect(history.stdout).toMatch(/\n2\s+DEPLOY\s+cli-admin/);

    const diff = await run('diff', key(daily), '1', '2');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('revision 1 (DEPLOY) -> 2 (DEPLOY)');
    expect(diff.stdout).toContain(
      '~ automationSpec.schedule.cron.expression: "30 2 * * *" -> "30 3 * * *"',
    );
    expect(diff.stdout).toContain('~ spec.taskVersion: "v1" -> "v2"');

    const json = JSON.parse((await run('-o', 'json', 'diff', key(daily), '1', '2')).stdout);
    expect(json.changes).toContainEqual({
      path: 'spec.taskVersion',
      kind: 'changed',
      before: 'v1',
      after: 'v2',
    });
    expect((await run('diff', key(daily), '1', '9')).stderr).toContain('REVISION_NOT_FOUND');
  });

  it("preview: a trigger's next fire times, or an unsaved schedule's", async () => {
    const from = '2027-03-27T00:00:00Z';
    const saved = await run('-o', 'json', 'preview', key(daily), '--count', '2', '--from', from);
    expect(JSON.parse(saved.stdout).fireTimes.map((f: { local: string }) => f.local)).toEqual([
      '2027-03-27T03:30:00+01:00',
      '2027-03-28T03:30:00+02:00',
    ]);
    const unsaved = await run('preview', '--rate', '5:minute', '--count', '2', '--from', from);
    expect(unsaved.code).toBe(0);
    expect(unsaved.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^AT \(UTC\)\s+LOCAL$/),
      expect.stringMatching(/^2027-03-27T00:05:00.000Z\s+/),
      expect.stringMatching(/^2027-03-27T00:10:00.000Z\s+/),
    ]);
  });

  it('fire (with an idempotency key), backfill (dry run, then for real) and runs', async () => {
    const first = await run('fire', key(hourly), '--idempotency-key', 'deploy-42');
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^created run m[0-9a-f]+ scheduled at /);
    const again = await run('fire', key(hourly), '--idempotency-key', 'deploy-42');
    expect(again.stdout).toMatch(/^existing run \(same idempotency key\)/);

    const to = new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString();
    const from = new Date(Date.parse(to) - 3 * HOUR).toISOString();
    const dry = await run('backfill', key(hourly), '--from', from, '--to', to, '--dry-run');
    expect(dry.stdout).toMatch(/^would create 3 run\(s\), skipped 0/);
    const real = JSON.parse(
      (await run('-o', 'json', 'backfill', key(hourly), '--from', from, '--to', to)).stdout,
    );
    expect(real.runs).toHaveLength(3);
    const repeat = await run('backfill', key(hourly), '--from', from, '--to', to);
    expect(repeat.stdout).toMatch(/^created 0 run\(s\), skipped 3/);

    const runs = JSON.parse((await run('-o', 'json', 'runs', key(hourly))).stdout);
    expect(runs.runs.map((r: { source: string }) => r.source).sort()).toEqual([
      'BACKFILL',
      'BACKFILL',
      'BACKFILL',
      'MANUAL',
    ]);
    const table = await run('runs', key(hourly), '--limit', '2');
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(table.stderr).toMatch(/^more: --token /);
  });

  it('deactivate and activate several triggers; a missing one fails the command', async () => {
    const off = await run('deactivate', key(hourly), key(daily));
    expect(off.code).toBe(0);
    expect(off.stdout.trim().split('\n').sort()).toEqual([
      `deactivated  ${key(daily)}`,
      `deactivated  ${key(hourly)}`,
    ]);
    expect((await run('deactivate', key(hourly))).stdout.trim()).toBe(`unchanged  ${key(hourly)}`);

    const partly = await run(
      '-o',
      'json',
      'activate',
      key(hourly),
      `${project}/dev/task.export/nope`,
    );
    expect(partly.code).toBe(1);
    expect(JSON.parse(partly.stdout)).toMatchObject({
      updated: [hourly],
      notFound: [{ name: 'nope' }],
    });
    const details = JSON.parse((await run('-o', 'json', 'get', key(hourly))).stdout);
    expect(details.spec.active).toBe(true);
  });

  it('runs as its own process: SUNDIAL_URL and SUNDIAL_API_KEY, exit codes', async () => {
    const env = { SUNDIAL_URL: url, SUNDIAL_API_KEY: KEY };
    const ok = await cliProcess(['-o', 'json', 'get', key(hourly)], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).id.name).toEqual(hourly);
    const missing = await cliProcess(['get', `${project}/dev/task.export/nope`], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TRIGGER_NOT_FOUND');
    const usage = await cliProcess(['get'], env);
    expect(usage.code).toBe(2);
  });
});
