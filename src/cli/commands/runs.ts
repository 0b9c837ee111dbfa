import type { Command } from 'commander';
import { send, unwrap, type Schemas } from '../client/client';
import { intOption, pageQuery, parseTriggerKey, UsageError } from '../context';
import { runsTable, table } from '../format';
import type { Register } from '../program';

const KEY_PATH = '/triggers/{project}/{domain}/{taskName}/{name}';

/** preview, fire, backfill, runs (docs/triggers-as-code.md "CLI"). */
export const registerRunCommands: Register = (program, run) => {
  program
    .command('preview')
    .description("a trigger's next fire times, or a schedule's (--cron or --rate) without saving")
    .argument('[key]', 'project/domain/taskName/name')
    .option('--cron <expression>', 'preview this cron expression instead of a trigger')
    .option('--timezone <zone>', 'IANA time zone of --cron')
    .option('--rate <value:unit>', 'preview a rate instead, e.g. 5:MINUTE')
    .option('--count <n>', 'how many fire times, 1-100', intOption('count', 1, 100))
    .option('--from <iso>', 'fire times strictly after this instant (default now)')
    .action((key: string | undefined, o: PreviewOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        let result: Schemas['FireTimesDto'];
        if (key !== undefined) {
          if (o.cron !== undefined || o.rate !== undefined) {
            throw new UsageError('give a trigger key or --cron/--rate, not both');
          }
          const query = {
            count: o.count === undefined ? undefined : String(o.count),
            from: o.from,
          };
          result = await unwrap(
            ctx.client.GET(`${KEY_PATH}/preview`, {
              params: { path: parseTriggerKey(key), query },
            }),
            ctx.url,
          );
        } else {
          const body = {
            automationSpec: { type: 'SCHEDULE', schedule: scheduleOf(o) },
            ...(o.count !== undefined ? { count: o.count } : {}),
            ...(o.from !== undefined ? { from: o.from } : {}),
          } as unknown as Schemas['PreviewScheduleDto'];
          result = await unwrap(ctx.client.POST('/schedules/preview', { body }), ctx.url);
        }
        ctx.print(result, () =>
          table(
            ['AT (UTC)', 'LOCAL'],
            result.fireTimes.map((f) => [f.at, f.local]),
          ),
        );
      }),
    );

  program
    .command('fire')
    .description('create a MANUAL run of a trigger now')
    .argument('<key>', 'project/domain/taskName/name')
    .option('--idempotency-key <key>', 'a repeat with the same key returns the same run')
    .option('--overlap-policy <policy>', "overrides the trigger's overlap policy for this run")
    .action((key: string, o: { idempotencyKey?: string; overlapPolicy?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const path = parseTriggerKey(key);
        const header = o.idempotencyKey ? { 'Idempotency-Key': o.idempotencyKey } : undefined;
        const body = (
          o.overlapPolicy ? { overlapPolicy: o.overlapPolicy } : {}
        ) as Schemas['FireBodyDto'];
        const { data: run, status } = await send(
          ctx.client.POST(`${KEY_PATH}/fire`, { params: { path }, headers: header, body }),
          ctx.url,
        );
        const existing = status === 200;
        ctx.print(
          run,
          () =>
            `${existing ? 'existing run (same idempotency key)' : 'created run'} ${run.name}` +
            ` scheduled at ${run.scheduledAt}`,
        );
      }),
    );

  program
    .command('backfill')
    .description('create BACKFILL runs for the slots in [from, to)')
    .argument('<key>', 'project/domain/taskName/name')
    .requiredOption('--from <iso>', 'first slot (included)')
    .requiredOption('--to <iso>', 'end (excluded), not in the future')
    .option('--dry-run', 'list the runs without creating them')
    .option('--overlap-policy <policy>', 'the overlap policy for these runs (default ALLOW_ALL)')
    .action((key: string, o: BackfillOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        const path = parseTriggerKey(key);
        const body = {
          from: o.from,
          to: o.to,
          ...(o.dryRun ? { dryRun: true } : {}),
          ...(o.overlapPolicy ? { overlapPolicy: o.overlapPolicy } : {}),
        } as Schemas['BackfillBodyDto'];
        const result = await unwrap(
          ctx.client.POST(`${KEY_PATH}/backfill`, { params: { path }, body }),
          ctx.url,
        );
        ctx.print(result, () => {
          const verb = o.dryRun ? 'would create' : 'created';
          const lines = [`${verb} ${result.runs.length} run(s), skipped ${result.skipped.length}`];
          for (const r of result.runs) lines.push(`  + ${r.scheduledAt}  ${r.name}`);
          for (const s of result.skipped)
            lines.push(`  = ${s.scheduledAt}  ${s.runName} (has a run)`);
          return lines.join('\n');
        });
      }),
    );

  program
    .command('runs')
    .description("a trigger's runs, newest scheduled first")
    .argument('<key>', 'project/domain/taskName/name')
    .option('--limit <n>', 'page size, 1-500', intOption('limit', 1, 500))
    .option('--token <token>', 'the next page')
    .action((key: string, o: { limit?: number; token?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const path = parseTriggerKey(key);
        const query = pageQuery(o);
        const page = await unwrap(
          ctx.client.GET(`${KEY_PATH}/runs`, { params: { path, query } }),
          ctx.url,
        );
        ctx.print(page, () => runsTable(page.runs));
        if (page.token) ctx.note(`more: --token ${page.token}`);
      }),
    );
};

interface PreviewOptions {
  cron?: string;
  timezone?: string;
  rate?: string;
  count?: number;
  from?: string;
}

function scheduleOf(o: PreviewOptions): Record<string, unknown> {
  if ((o.cron === undefined) === (o.rate === undefined)) {
    throw new UsageError('preview needs a trigger key, or exactly one of --cron and --rate');
  }
  if (o.cron !== undefined) {
    return { cron: { expression: o.cron, ...(o.timezone ? { timezone: o.timezone } : {}) } };
  }
  const m = /^(\d+):([A-Za-z]+)$/.exec(o.rate!);
  if (!m) throw new UsageError('--rate must look like 5:MINUTE (value:unit)');
  return { rate: { value: Number(m[1]), unit: m[2].toUpperCase() } };
}

interface BackfillOptions {
  from: string;
  to: string;
  dryRun?: boolean;
  overlapPolicy?: string;
}
