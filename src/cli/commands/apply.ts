import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  formatTask,
  parseTriggersFile,
  TriggersFileError,
  type TriggersFileTask,
} from '../../triggers/triggers-file';
import { ApiError, unwrap, type Schemas } from '../client/client';
import { CommandFailed, type CliContext } from '../context';
import { describeChanges, diffValues } from '../format';
import type { Register } from '../program';

type SetItem = Schemas['TriggerSetItemDto'];
type SetMember = Schemas['TriggerSetMemberDto'];

const MARK: Record<SetItem['outcome'], string> = {
  created: '+',
  updated: '~',
  unchanged: '=',
  deleted: '-',
};

/** `sundial apply -f FILE [--prune] [--dry-run]` (docs/triggers-as-code.md "CLI"). */
export const registerApplyCommand: Register = (program, run) => {
  program
    .command('apply')
    .description("set each task's triggers to what a triggers file says (YAML or JSON)")
    .requiredOption('-f, --file <path>', 'the triggers file (the format of TRIGGERS_FILE)')
    .option('--prune', "also delete each task's triggers that the file does not list")
    .option('--dry-run', 'show what would change, write nothing')
    .action((o: { file: string; prune?: boolean; dryRun?: boolean }, cmd: Command) =>
      run(cmd, (ctx) => apply(ctx, o.file, o.prune === true, o.dryRun === true)),
    );
};

function readFile(path: string): TriggersFileTask[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CommandFailed(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return parseTriggersFile(text);
  } catch (e) {
    if (e instanceof TriggersFileError) throw new CommandFailed(`${path}: ${e.message}`);
    throw e;
  }
}

async function apply(ctx: CliContext, path: string, prune: boolean, dryRun: boolean) {
  const tasks = readFile(path);
  const send = (task: TriggersFileTask, dry: boolean) =>
    unwrap(
      ctx.client.PUT('/tasks/{project}/{domain}/{taskName}/triggers', {
        params: { path: { project: task.project, domain: task.domain, taskName: task.taskName } },
        body: {
          triggers: task.triggers as SetMember[],
          prune: prune || task.prune === true,
          dryRun: dry,
        },
      }),
      ctx.url,
    );
  // Every task is checked (a dry run) before any is written: a file with one bad trigger
  // changes nothing. Each task is then applied in its own transaction.
  const planned: Schemas['TriggerSetResultDto'][] = [];
  for (const task of tasks) planned.push(await named(task, path, send(task, true)));
  let results = planned;
  if (!dryRun) {
    results = [];
    for (const task of tasks) results.push(await named(task, path, send(task, false)));
  }

  const report = tasks.map((t, i) => ({
    project: t.project,
    domain: t.domain,
    taskName: t.taskName,
    triggers: results[i].triggers,
  }));
  ctx.print({ dryRun, tasks: report }, () => describeApply(report, dryRun));
}

/** Puts the task's name in front of an API error's message. */
async function named<T>(task: TriggersFileTask, path: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 0) throw e;
    const where = `${path}, task ${formatTask(task)}`;
    throw new ApiError(e.status, e.code, `${where}: ${e.message}`, e.details, e.requestId);
  }
}

function describeApply(
  tasks: { project: string; domain: string; taskName: string; triggers: SetItem[] }[],
  dryRun: boolean,
): string {
  const counts = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
  const lines: string[] = [];
  for (const task of tasks) {
    lines.push(`task ${formatTask(task)}`);
    if (task.triggers.length === 0) lines.push('  (no triggers)');
    for (const t of task.triggers) {
      counts[t.outcome] += 1;
      const verb = dryRun && t.outcome !== 'unchanged' ? `would be ${t.outcome}` : t.outcome;
      lines.push(`  ${MARK[t.outcome]} ${t.name}  ${verb} (revision ${t.revision})`);
      if (t.outcome === 'created' || t.outcome === 'updated') {
        const changes = diffValues(t.before ?? {}, t.after);
        if (changes.length > 0) lines.push(describeChanges(changes, '      '));
      }
    }
  }
  const summary =
    `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ` +
    `${counts.deleted} deleted`;
  lines.push(dryRun ? `dry run: ${summary}; nothing written` : summary);
  return lines.join('\n');
}
