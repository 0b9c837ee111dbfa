import { readFileSync } from 'node:fs';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DomainError, type FieldError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { PROJECT_PATTERN, TASK_NAME_PATTERN } from '../common/http/trigger-key.dto';
import type { TaskName } from './trigger-set.repository';
import { TriggerSetService } from './trigger-set.service';
import { validateTriggerSet, type ValidMember } from './trigger-set.validation';
import { formatTask, parseTriggersFile, TriggersFileError } from './triggers-file';

/** The actor of every revision TRIGGERS_FILE writes. */
export const CONFIG_ACTOR = 'config';

/** TRIGGERS_FILE cannot be applied: one line naming the file, the field and, where known, the trigger. */
export class TriggersFileInvalidError extends Error {
  constructor(path: string, detail: string) {
    super(`TRIGGERS_FILE ${path}: ${detail}`);
    this.name = 'TriggersFileInvalidError';
  }
}

export interface ValidatedTask {
  task: TaskName;
  prune: boolean;
  members: ValidMember[];
}

function firstProblem(e: DomainError): string {
  const details = Array.isArray(e.details) ? (e.details as FieldError[]) : [];
  if (details.length === 0) return e.message;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  // a schedule problem's message names the trigger ("trigger \"x\" has invalid cron …")
  return `${details[0].field}: ${details[0].message}${more}`;
}

/**
 * Reads and checks a whole triggers file, every task and every member, before anything is
 * written (docs/triggers-as-code.md "The file"). Throws TriggersFileInvalidError.
 */
export function readTriggersFile(path: string, now = new Date()): ValidatedTask[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TriggersFileInvalidError(path, `cannot read: ${(e as Error).message}`);
  }
  try {
    return parseTriggersFile(text).map((t, i) => {
      for (const [key, pattern] of [
        ['project', PROJECT_PATTERN],
        ['domain', PROJECT_PATTERN],
        ['taskName', TASK_NAME_PATTERN],
      ] as const) {
        if (!pattern.test(t[key])) {
          throw new TriggersFileError(`tasks[${i}].${key}`, `"${t[key]}" is not a valid ${key}`);
        }
      }
      const task = { project: t.project, domain: t.domain, taskName: t.taskName };
      return {
        task,
        prune: t.prune ?? false,
        members: validateTriggerSet(t.triggers, now, `tasks[${i}].triggers`),
      };
    });
  } catch (e) {
    if (e instanceof TriggersFileError) throw new TriggersFileInvalidError(path, e.message);
    if (e instanceof DomainError) throw new TriggersFileInvalidError(path, firstProblem(e));
    throw e;
  }
}

/** Applies TRIGGERS_FILE once the app is up (before it listens), each task like the set endpoint. */
@Injectable()
export class TriggersFileLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('TriggersFile');

  constructor(
    private readonly config: AppConfig,
    private readonly sets: TriggerSetService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const path = this.config.triggersFile;
    if (path === null) return;
    const counts = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
    const tasks = readTriggersFile(path);
    for (const { task, prune, members } of tasks) {
      const result = await this.sets.applyValid(
        task,
        members,
        { prune, dryRun: false },
        CONFIG_ACTOR,
      );
      for (const item of result.triggers) counts[item.outcome] += 1;
      this.logger.debug(`${formatTask(task)}: ${result.triggers.length} trigger(s) applied`);
    }
    this.logger.log(
      `applied ${path}: ${tasks.length} task(s); ${counts.created} created, ${counts.updated} ` +
        `updated, ${counts.unchanged} unchanged, ${counts.deleted} deleted`,
    );
  }
}
