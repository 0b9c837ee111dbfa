import type { Command } from 'commander';
import type { paths } from '../client/api';
import { unwrap, type Schemas } from '../client/client';
import {
  CommandFailed,
  formatKey,
  intOption,
  pageQuery,
  parseTriggerKey,
  UsageError,
  type CliContext,
} from '../context';
import { describeChanges, describeSchedule, describeTrigger, diffValues, table } from '../format';
import type { Register } from '../program';

const KEY_PATH = '/triggers/{project}/{domain}/{taskName}/{name}';

/** get, list, history, diff, activate, deactivate (docs/triggers-as-code.md "CLI"). */
export const registerTriggerCommands: Register = (program, run) => {
  program
    .command('get')
    .description("a trigger's current details")
    .argument('<key>', 'project/domain/taskName/name')
    .action((key: string, _o, cmd: Command) =>
      run(cmd, async (ctx) => {
        const path = parseTriggerKey(key);
        const t = await unwrap(ctx.client.GET(KEY_PATH, { params: { path } }), ctx.url);
        ctx.print(t, () => describeTrigger(t));
      }),
    );

  program
    .command('list')
    .description('list triggers (newest update first, active first)')
    .option('--project <project>')
    .option('--domain <domain>')
    .option('--task <taskName>', 'task name')
    .option('--task-version <version>')
    .option('--active <bool>', 'true or false')
    .option('--type <automationType>', 'SCHEDULE, NONE or EVENT')
    .option(
      '--sort <field[:dir]>',
      'name, taskName, deployedAt, updatedAt, triggeredAt; :asc or :desc',
    )
    .option('--limit <n>', 'page size, 1-500', intOption('limit', 1, 500))
    .option('--token <token>', 'the next page, from a previous list')
    .action((o: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        const query = {
          project: o.project,
          domain: o.domain,
          taskName: o.task,
          taskVersion: o.taskVersion,
          active: o.active,
          automationType: o.type,
          sort: o.sort,
          ...pageQuery(o),
        } as paths['/triggers']['get']['parameters']['query'];
        const page = await unwrap(ctx.client.GET('/triggers', { params: { query } }), ctx.url);
        ctx.print(page, () =>
          page.triggers.length === 0
            ? 'no triggers'
            : table(
                ['TRIGGER', 'ACTIVE', 'SCHEDULE', 'VERSION', 'REV', 'NEXT FIRE'],
                page.triggers.map((t) => [
                  formatKey(t.id.name),
                  t.spec.active ? 'yes' : 'no',
                  describeSchedule(t.automationSpec),
                  t.spec.taskVersion,
                  t.id.revision,
                  t.status.nextFireAt,
                ]),
              ),
        );
        if (page.token) ctx.note(`more: --token ${page.token}`);
      }),
    );

  program
    .command('history')
    .description("a trigger's revisions, newest first")
    .argument('<key>', 'project/domain/taskName/name')
    .option('--limit <n>', 'page size, 1-500', intOption('limit', 1, 500))
    .option('--token <token>', 'the next page')
    .action((key: string, o: { limit?: number; token?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const path = parseTriggerKey(key);
        const query = pageQuery(o);
        const page = await unwrap(
          ctx.client.GET(`${KEY_PATH}/revisions`, { params: { path, query } }),
          ctx.url,
        );
        ctx.print(page, () =>
          table(
            ['REV', 'ACTION', 'ACTOR', 'CREATED', 'ACTIVE'],
            page.revisions.map((r) => [
              r.revision,
              r.action,
              r.actor,
              r.createdAt,
              r.status.deletedAt ? 'deleted' : undefined,
            ]),
          ),
        );
        if (page.token) ctx.note(`more: --token ${page.token}`);
      }),
    );

  program
    .command('diff')
    .description("what changed in a trigger's spec and automationSpec between two revisions")
    .argument('<key>', 'project/domain/taskName/name')
    .argument('<revA>', 'revision number')
    .argument('<revB>', 'revision number')
    .action((key: string, revA: string, revB: string, _o, cmd: Command) =>
      run(cmd, async (ctx) => {
        const path = parseTriggerKey(key);
        for (const r of [revA, revB]) {
          if (!/^[1-9]\d{0,9}$/.test(r)) throw new UsageError(`"${r}" is not a revision number`);
        }
        const read = (revision: string) =>
          unwrap(
            ctx.client.GET(`${KEY_PATH}/revisions/{revision}`, {
              params: { path: { ...path, revision } },
            }),
            ctx.url,
          );
        const [a, b] = await Promise.all([read(revA), read(revB)]);
        const view = (r: Schemas['RevisionDetailsDto']) => ({
          spec: r.spec,
          automationSpec: r.automationSpec,
        });
        const changes = diffValues(view(a), view(b));
        ctx.print({ from: a, to: b, changes }, () =>
          [
            `${formatKey(path)}: revision ${revA} (${a.action}) -> ${revB} (${b.action})`,
            changes.length === 0 ? '  no differences' : describeChanges(changes, '  '),
          ].join('\n'),
        );
      }),
    );

  for (const action of ['activate', 'deactivate'] as const) {
    const command = program
      .command(action)
      .description(`${action} triggers (each that changes gets a revision)`)
      .argument('<keys...>', 'project/domain/taskName/name, 1-100 of them');
    command.option('--note <text>', 'why, kept on the revision and shown in status.note');
    command.action((keys: string[], o: { note?: string }, cmd: Command) =>
      run(cmd, async (ctx) => bulk(ctx, action, keys, o.note)),
    );
  }
};

interface ListOptions {
  project?: string;
  domain?: string;
  task?: string;
  taskVersion?: string;
  active?: string;
  type?: string;
  sort?: string;
  limit?: number;
  token?: string;
}

async function bulk(
  ctx: CliContext,
  action: 'activate' | 'deactivate',
  keys: string[],
  note: string | undefined,
): Promise<void> {
  const names = keys.map(parseTriggerKey);
  // The note is sent only when given (absent and null alike keep no note).
  const body: Schemas['ActivationNamesDto'] = { names, ...(note !== undefined ? { note } : {}) };
  const result = await unwrap(ctx.client.POST(`/triggers/${action}`, { body }), ctx.url);
  ctx.print(result, () =>
    [
      ...result.updated.map((n) => `${action}d  ${formatKey(n)}`),
      ...result.unchanged.map((n) => `unchanged  ${formatKey(n)}`),
      ...result.notFound.map((n) => `not found  ${formatKey(n)}`),
    ].join('\n'),
  );
  if (result.notFound.length > 0) {
    throw new CommandFailed(`${result.notFound.length} trigger(s) not found`);
  }
}
