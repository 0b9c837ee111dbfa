import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { uniquePart } from '../support/builders';
import { listenOnRandomPort } from '../support/cli';
import { useTestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

interface RunBody {
  id: string;
  state: string;
  result?: unknown;
  error?: { message: string; type?: string } | null;
  attempts?: { outcome: string | null }[];
}

/** `sundial worker …` as its own process, its output collected. */
function startWorker(url: string, args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'src', 'cli', 'main.ts'),
      '--url',
      url,
      'worker',
      ...args,
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { child, out: () => text };
}

/**
 * The worker's output once it matches: the worker logs a run's end after the server answered its
 * call, so the run's new state can be visible through the API a moment before the line arrives.
 */
async function outputMatching(
  w: { out: () => string },
  pattern: RegExp,
  timeoutMs = 5_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(w.out()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return w.out();
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('sundial worker running a real shell command (e2e)', () => {
  const ctx = useTestApp({ RUNS_SWEEP_INTERVAL: '100ms' });
  const http = () => ctx.app().http();
  let url: string;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    url = await listenOnRandomPort(ctx.app().app);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.exitCode === null && w.signalCode === null) {
        w.kill('SIGKILL');
        await exited(w);
      }
    }
  });

  /** A manual-only trigger delivering to a fresh queue, without retries unless asked. */
  async function trigger(
    spec: Record<string, unknown> = {},
  ): Promise<{ path: string; queue: string }> {
    const queue = uniquePart('q');
    const path = `/triggers/work/d/task/${uniquePart('t')}`;
    await http()
      .put(path)
      .send({
        spec: {
          taskVersion: 'v1',
          inputs: { region: 'eu', limits: { rows: 3 } },
          delivery: { type: 'QUEUE', queue },
          retryConfig: { retryCount: 0 },
          ...spec,
        },
        automationSpec: { type: 'NONE' },
      })
      .expect(201);
    return { path, queue };
  }
  const fire = async (path: string): Promise<string> =>
    (await http().post(`${path}/fire`).expect(201)).body.id as string;
  const runOf = async (id: string): Promise<RunBody> =>
    (await http().get(`/runs/${id}`).expect(200)).body as RunBody;
  async function until(id: string, states: string[], timeoutMs = 30_000): Promise<RunBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await runOf(id);
      if (states.includes(run.state)) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} still ${run.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const worker = (queue: string, script: string, ...flags: string[]) => {
    const w = startWorker(url, ['--queue', queue, ...flags, '--', 'sh', '-c', script]);
    workers.push(w.child);
    return w;
  };

  it('success: the run on stdin, inputs as INPUT_*, stdout JSON as the result', async () => {
    const { path, queue } = await trigger();
    const w = worker(
      queue,
      'read -r run; id=$(printf %s "$run" | sed \'s/.*"id":"\\([^"]*\\)".*/\\1/\'); ' +
        'printf \'{"region":"%s","limits":%s,"id":"%s"}\' "$INPUT_REGION" "$INPUT_LIMITS" "$id"',
      '--concurrency',
      '2',
    );
    const ids = [await fire(path), await fire(path)];
    for (const id of ids) {
      const run = await until(id, ['SUCCEEDED', 'FAILED']);
      expect(run).toMatchObject({
        state: 'SUCCEEDED',
        result: { region: 'eu', limits: { rows: 3 }, id },
      });
    }
    expect(await outputMatching(w, /sundial worker: succeeded run /)).toMatch(
      /sundial worker: succeeded run /,
    );
  });

  it("failure: a non-zero exit fails the run with stderr's tail", async () => {
    const { path, queue } = await trigger();
    worker(queue, 'echo "connecting…" >&2; echo "disk full" >&2; exit 3');
    const run = await until(await fire(path), ['SUCCEEDED', 'FAILED']);
    expect(run.state).toBe('FAILED');
    expect(run.error).toMatchObject({
      message: 'exit code 3: connecting…\ndisk full',
      type: 'EXIT_CODE',
    });
  });

  it('heartbeats keep a run longer than its lease; a dead worker lets the lease time out', async () => {
    const { path, queue } = await trigger({
      retryConfig: { retryCount: 1, minBackoffDuration: '0s', maxBackoffDuration: '0s' },
    });
    const slow = worker(queue, 'sleep 5; echo \'{"slept":5}\'', '--lease-duration', '2s');
    const long = await until(await fire(path), ['SUCCEEDED', 'FAILED']);
    expect(long).toMatchObject({ state: 'SUCCEEDED', result: { slept: 5 } });
    expect(long.attempts?.map((a) => a.outcome)).toEqual(['SUCCEEDED']);
    slow.child.kill('SIGTERM');
    expect(await exited(slow.child)).toBe(0);

    // a worker killed outright stops heartbeating: the lease expires, the run is leased again
    const doomed = worker(queue, 'sleep 30', '--lease-duration', '2s');
    const id = await fire(path);
    await until(id, ['RUNNING']);
    doomed.child.kill('SIGKILL');
    await exited(doomed.child);
    const next = worker(queue, 'echo \'{"second":true}\'', '--lease-duration', '2s');
    const run = await until(id, ['SUCCEEDED', 'FAILED']);
    expect(run).toMatchObject({ state: 'SUCCEEDED', result: { second: true } });
    expect(run.attempts?.map((a) => a.outcome)).toEqual(['LEASE_EXPIRED', 'SUCCEEDED']);
    expect(await outputMatching(next, /succeeded/)).toContain('succeeded');
  });

  it('cancel: cancelRequested stops the command with SIGTERM; the run is CANCELLED', async () => {
    const { path, queue } = await trigger();
    const w = worker(
      queue,
      'trap "echo stopped >&2; exit 143" TERM; sleep 30 & wait',
      '--lease-duration',
      '2s',
    );
    const id = await fire(path);
    await until(id, ['RUNNING']);
    await http().post(`/runs/${id}/cancel`).send({ reason: 'not needed' }).expect(200);
    const run = await until(id, ['CANCELLED', 'FAILED', 'SUCCEEDED'], 10_000);
    expect(run.state).toBe('CANCELLED');
    expect(await outputMatching(w, /sundial worker: cancelled run /)).toMatch(
      /sundial worker: cancelled run /,
    );
  });

  it('SIGTERM: stops leasing, lets running commands finish, or releases them after the drain timeout', async () => {
    const { path, queue } = await trigger();
    const w = worker(queue, 'sleep 2; echo \'{"finished":true}\'');
    const id = await fire(path);
    await until(id, ['RUNNING']);
    w.child.kill('SIGTERM');
    expect(await exited(w.child)).toBe(0);
    expect(await runOf(id)).toMatchObject({ state: 'SUCCEEDED', result: { finished: true } });
    const later = await fire(path);
    await new Promise((r) => setTimeout(r, 500));
    expect((await runOf(later)).state).toBe('PENDING');

    const impatient = worker(queue, 'sleep 30', '--drain-timeout', '0s');
    await until(later, ['RUNNING']);
    impatient.child.kill('SIGTERM');
    expect(await exited(impatient.child)).toBe(0);
    const released = await runOf(later);
    expect(released.state).toBe('PENDING');
    expect(released.attempts?.map((a) => a.outcome)).toEqual(['RELEASED']);
    expect(impatient.out()).toMatch(/sundial worker: released run /);
  });
});
