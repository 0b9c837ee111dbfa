import { parse as parseYaml } from 'yaml';

/**
 * One task of a triggers file (docs/triggers-as-code.md "The file"): what
 * `PUT /tasks/{project}/{domain}/{taskName}/triggers` takes, with the task's name beside it.
 * Shared by TRIGGERS_FILE at start-up and `sundial apply -f`; the members are checked later, by
 * the set's own validation.
 */
export interface TriggersFileTask {
  project: string;
  domain: string;
  taskName: string;
  prune?: boolean;
  triggers: unknown[];
}

/** A file that is not of the shape above; `field` is a path such as `tasks[1].taskName`. */
export class TriggersFileError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'TriggersFileError';
  }
}

const TASK_KEYS = new Set(['project', 'domain', 'taskName', 'prune', 'triggers']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a triggers file's text (YAML 1.2, which JSON is a part of) into its tasks. Throws
 * TriggersFileError naming the first field that is wrong. A task listed twice is refused (the
 * second would silently undo the first).
 */
export function parseTriggersFile(text: string): TriggersFileTask[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    throw new TriggersFileError(
      '',
      `not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  if (!isObject(doc)) throw new TriggersFileError('', 'must be an object with "tasks"');
  for (const key of Object.keys(doc)) {
    if (key !== 'tasks') throw new TriggersFileError(key, 'unknown field');
  }
  if (!Array.isArray(doc.tasks)) throw new TriggersFileError('tasks', 'must be a list');
  const seen = new Map<string, number>();
  return doc.tasks.map((task: unknown, i): TriggersFileTask => {
    const at = `tasks[${i}]`;
    if (!isObject(task)) throw new TriggersFileError(at, 'must be an object');
    for (const key of Object.keys(task)) {
      if (!TASK_KEYS.has(key)) throw new TriggersFileError(`${at}.${key}`, 'unknown field');
    }
    for (const key of ['project', 'domain', 'taskName'] as const) {
      if (typeof task[key] !== 'string') {
        throw new TriggersFileError(`${at}.${key}`, 'must be a string');
      }
    }
    if (task.prune !== undefined && typeof task.prune !== 'boolean') {
      throw new TriggersFileError(`${at}.prune`, 'must be true or false');
    }
    if (!Array.isArray(task.triggers)) {
      throw new TriggersFileError(`${at}.triggers`, 'must be a list');
    }
    const parsed = task as unknown as TriggersFileTask;
    const key = `${parsed.project}/${parsed.domain}/${parsed.taskName}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new TriggersFileError(at, `task ${key} is listed twice (also tasks[${first}])`);
    }
    seen.set(key, i);
    return parsed;
  });
}

/** `project/domain/taskName` */
export function formatTask(t: { project: string; domain: string; taskName: string }): string {
  return `${t.project}/${t.domain}/${t.taskName}`;
}
