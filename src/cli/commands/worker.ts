import { hostname } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { intOption } from '../context';
import type { Register } from '../program';
import { leaseApi } from '../worker/lease-api';
import { Worker, type WorkerEvent } from '../worker/worker';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `90s`, `2m`, `500ms`: the duration text (passed to the API as it is) and its milliseconds. */
function durationOption(name: string, minMs: number, maxMs: number) {
  return (value: string): { text: string; ms: number } => {
    const m = /^(\d+)(ms|s|m|h)$/.exec(value);
    const ms = m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
    if (!(ms >= minMs && ms <= maxMs)) {
      throw new InvalidArgumentError(`--${name} must be a duration such as 30s or 2m`);
    }
    return { text: value, ms };
  };
}

interface WorkerFlags {
  queue: string;
  concurrency: number;
  leaseDuration: { text: string; ms: number };
  wait: { text: string; ms: number };
  drainTimeout: { text: string; ms: number };
  workerId?: string;
}

/** `sundial worker --queue Q [--concurrency N] -- COMMAND ARGS…` (docs/triggers-as-code.md). */
export const registerWorkerCommand: Register = (program, run) => {
  program
    .command('worker')
    .description(
      'lease runs from a queue and run a command for each (sundial worker -q Q -- cmd …)',
    )
    .requiredOption('-q, --queue <queue>', 'the queue to lease from')
    .option('-c, --concurrency <n>', 'runs at a time, 1-500', intOption('concurrency', 1, 500), 1)
    .addOption(
      new Option('--lease-duration <duration>', 'lease length; heartbeats every third of it')
        .argParser(durationOption('lease-duration', 1_000, 12 * 3_600_000))
        .default({ text: '60s', ms: 60_000 }, '60s'),
    )
    .addOption(
      new Option('--wait <duration>', 'long-poll wait of each lease request, up to 20s')
        .argParser(durationOption('wait', 0, 20_000))
        .default({ text: '20s', ms: 20_000 }, '20s'),
    )
    .addOption(
      new Option(
        '--drain-timeout <duration>',
        'on SIGTERM: how long running commands may finish before they are stopped and released',
      )
        .argParser(durationOption('drain-timeout', 0, 24 * 3_600_000))
        .default({ text: '30s', ms: 30_000 }, '30s'),
    )
    .option('--worker-id <id>', 'recorded on each attempt (default host-pid)')
    .argument('<command...>', 'the command and its arguments, after --')
    .action((command: string[], o: WorkerFlags, cmd: Command) =>
      run(cmd, async (ctx) => {
        const log = (e: WorkerEvent) => {
          if (ctx.json)
            ctx.io.stdout(`${JSON.stringify({ at: new Date().toISOString(), ...e })}\n`);
          else {
            const run = e.runId ? ` run ${e.runId}${e.runName ? ` (${e.runName})` : ''}` : '';
            ctx.io.stderr(`sundial worker: ${e.event}${run}${e.message ? `: ${e.message}` : ''}\n`);
          }
        };
        const worker = new Worker(leaseApi(ctx.client, ctx.url), {
          queue: o.queue,
          workerId: o.workerId ?? `${hostname()}-${process.pid}`,
          concurrency: o.concurrency,
          leaseDuration: o.leaseDuration.text,
          leaseDurationMs: o.leaseDuration.ms,
          wait: o.wait.text,
          drainTimeoutMs: o.drainTimeout.ms,
          command: command[0],
          args: command.slice(1),
          env: ctx.io.env,
          log,
          stderr: (chunk) => ctx.io.stderr(chunk.toString('utf8')),
        });
        const stop = () => worker.stop();
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        try {
          await worker.run();
        } finally {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
        }
      }),
    );
};
