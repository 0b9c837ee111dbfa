import { failureMessage, inputEnvName, runEnvironment, startProcess } from './run-process';

const RUN = {
  id: 'run-1',
  name: 'r0123',
  attempt: 2,
  scheduledAt: '2026-12-01T09:00:00.000Z',
  inputs: { region: 'eu', 'kickoff-time': '2026-12-01T09:00:00.000Z', limits: { max: 3 } },
  runSpec: { envs: { LOG_LEVEL: 'debug' } },
};

describe('the worker runs a command per run (real processes)', () => {
  it('names inputs INPUT_<NAME>; runSpec.envs as they are; the run ids', () => {
    expect(inputEnvName('kickoff-time')).toBe('INPUT_KICKOFF_TIME');
    expect(runEnvironment(RUN, { PATH: '/bin', INPUT_REGION: 'old' })).toEqual({
      PATH: '/bin',
      LOG_LEVEL: 'debug',
      INPUT_REGION: 'eu',
      INPUT_KICKOFF_TIME: '2026-12-01T09:00:00.000Z',
      INPUT_LIMITS: '{"max":3}',
      SUNDIAL_RUN_ID: 'run-1',
      SUNDIAL_RUN_NAME: 'r0123',
      SUNDIAL_ATTEMPT: '2',
      SUNDIAL_SCHEDULED_AT: '2026-12-01T09:00:00.000Z',
    });
  });

  it('gives the run as JSON on stdin and takes JSON stdout as the result', async () => {
    const script = 'read -r run; printf \'{"region":"%s","got":%s}\' "$INPUT_REGION" "$run"';
    const outcome = await startProcess('sh', ['-c', script], RUN, {
      env: { PATH: process.env.PATH },
    }).done;
    expect(outcome).toMatchObject({ code: 0, signal: null });
    expect(outcome.result).toEqual({ region: 'eu', got: RUN });
  });

  it('keeps no result for output that is not JSON; the tail of stderr for a failure', async () => {
    const script = 'echo not json; echo "$(seq 1 2000)" >&2; echo "disk full" >&2; exit 3';
    const outcome = await startProcess('sh', ['-c', script], RUN, { env: {} }).done;
    expect(outcome.code).toBe(3);
    expect(outcome.result).toBeUndefined();
    expect(outcome.stderrTail.length).toBeLessThanOrEqual(4096);
    // the end of stderr, cut to the 4,096 characters the API takes
    expect(failureMessage(outcome)).toMatch(/^exit code 3: …[\d\n]+disk full$/);
    expect(failureMessage(outcome).length).toBeLessThanOrEqual(4096);
  });

  it('terminates with SIGTERM; reports a command that cannot start', async () => {
    const running = startProcess('sleep', ['30'], RUN, { env: { PATH: process.env.PATH } });
    running.terminate();
    const outcome = await running.done;
    expect(outcome.signal).toBe('SIGTERM');
    expect(failureMessage(outcome)).toBe('killed by SIGTERM');

    const missing = await startProcess('/nonexistent/command', [], RUN, { env: {} }).done;
    expect(failureMessage(missing)).toMatch(
      /^could not start: spawn \/nonexistent\/command ENOENT/,
    );
  });
});
