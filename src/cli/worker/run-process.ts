import { spawn } from 'node:child_process';

/** At most this much of a command's stdout is kept (a run's result is at most 64 KiB). */
export const MAX_RESULT_BYTES = 64 * 1024;
/** The end of stderr kept for a failed run's error message. */
export const STDERR_TAIL_BYTES = 4 * 1024;
/** The longest error message the API takes. */
export const MAX_ERROR_MESSAGE = 4096;
/** After SIGTERM, how long a command has before SIGKILL. */
export const KILL_GRACE_MS = 10_000;
/** After the command exits, how long to wait for the rest of its output. */
const OUTPUT_GRACE_MS = 1_000;

/** What the worker knows of a leased run (delivery.md §2): the fields the command is given. */
export interface LeasedRun {
  id: string;
  name: string;
  attempt?: number;
  scheduledAt?: string;
  inputs?: Record<string, unknown>;
  runSpec?: { envs?: Record<string, string> } & Record<string, unknown>;
  [key: string]: unknown;
}

export interface ProcessOutcome {
  /** the exit code, or null when a signal ended it */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout parsed as JSON, when it is JSON (and at most MAX_RESULT_BYTES) */
  result?: unknown;
  /** the last STDERR_TAIL_BYTES of stderr */
  stderrTail: string;
  /** spawning failed (e.g. no such command) */
  spawnError?: string;
}

/** `region` → `INPUT_REGION`, `kickoff-time` → `INPUT_KICKOFF_TIME`. */
export function inputEnvName(key: string): string {
  return `INPUT_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/**
 * The command's environment (docs/triggers-as-code.md "Worker"): the worker's own, then the
 * run's `runSpec.envs`, then each input as INPUT_<NAME> (strings as they are, anything else as
 * JSON), then SUNDIAL_RUN_ID, SUNDIAL_RUN_NAME, SUNDIAL_ATTEMPT and SUNDIAL_SCHEDULED_AT.
 */
export function runEnvironment(
  run: LeasedRun,
  base: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(run.runSpec?.envs ?? {})) {
    if (typeof v === 'string') env[k] = v;
  }
  for (const [k, v] of Object.entries(run.inputs ?? {})) {
    env[inputEnvName(k)] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  env.SUNDIAL_RUN_ID = run.id;
  env.SUNDIAL_RUN_NAME = run.name;
  if (run.attempt !== undefined) env.SUNDIAL_ATTEMPT = String(run.attempt);
  if (run.scheduledAt !== undefined) env.SUNDIAL_SCHEDULED_AT = run.scheduledAt;
  return env;
}

/** A running command: its outcome, and a way to stop it (SIGTERM, SIGKILL after a grace). */
export interface RunningProcess {
  pid: number | undefined;
  done: Promise<ProcessOutcome>;
  terminate(): void;
}

/** Starts `command args…` for `run`: the run as JSON on stdin, its inputs in the environment. */
export function startProcess(
  command: string,
  args: string[],
  run: LeasedRun,
  options: { env: Record<string, string | undefined>; onStderr?: (chunk: Buffer) => void },
): RunningProcess {
  // Its own process group, so that stopping it stops what it started too (a shell's children).
  const child = spawn(command, args, {
    env: runEnvironment(run, options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = Buffer.alloc(0);
  let stdoutOverflow = false;
  let stderr = Buffer.alloc(0);
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length + chunk.length > MAX_RESULT_BYTES) stdoutOverflow = true;
    else stdout = Buffer.concat([stdout, chunk]);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    options.onStderr?.(chunk);
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(-STDERR_TAIL_BYTES);
  });
  // A command that does not read its stdin must not fail the run (EPIPE).
  child.stdin.on('error', () => undefined);
  child.stdin.end(`${JSON.stringify(run)}\n`);

  let killTimer: NodeJS.Timeout | undefined;
  const done = new Promise<ProcessOutcome>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = e.message;
    });
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      resolve({
        code,
        signal,
        result: stdoutOverflow ? undefined : parseJson(stdout.toString('utf8')),
        stderrTail: stderr.toString('utf8'),
        ...(spawnError !== undefined ? { spawnError } : {}),
      });
    };
    child.on('close', settle);
    // A process it left behind may keep stdout open: the exit decides, its output a moment later.
    child.on('exit', (code, signal) => {
      setTimeout(() => settle(code, signal), OUTPUT_GRACE_MS).unref();
    });
  });
  return {
    pid: child.pid,
    done,
    terminate: () => {
      if (child.exitCode !== null || child.signalCode !== null || killTimer) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    },
  };
}

/** Signals the command's process group (it leads one: spawned detached). */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** The error message of a failed attempt: stderr's tail, or how the command ended. */
export function failureMessage(outcome: ProcessOutcome): string {
  const how =
    outcome.spawnError !== undefined
      ? `could not start: ${outcome.spawnError}`
      : outcome.signal !== null
        ? `killed by ${outcome.signal}`
        : `exit code ${outcome.code}`;
  const tail = outcome.stderrTail.trim();
  if (tail === '') return how;
  const room = MAX_ERROR_MESSAGE - how.length - 3;
  return `${how}: ${tail.length > room ? `…${tail.slice(-(room - 1))}` : tail}`;
}
