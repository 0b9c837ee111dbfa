import type { Schemas } from './client/client';
import { formatKey } from './context';

/** Human output: aligned columns, two spaces apart; `-` for empty cells. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [
    headers,
    ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Label/value lines, labels aligned. */
export function fields(pairs: [string, string | number | null | undefined][]): string {
  const width = Math.max(...pairs.map(([l]) => l.length));
  return pairs
    .map(
      ([label, value]) =>
        `  ${label.padEnd(width)}  ${value === null || value === undefined || value === '' ? '-' : value}`,
    )
    .join('\n');
}

type AutomationView = Schemas['AutomationSpecViewDto'];

/** `cron "0 9 * * 1-5" Europe/Berlin`, `rate 5 MINUTE`, `event <type> …`, or `none`. */
export function describeSchedule(spec: AutomationView | undefined): string {
  if (spec?.type === 'EVENT' && spec.event) {
    const { type, source, subject } = spec.event;
    return `event ${type}${source ? ` source ${source}` : ''}${subject ? ` subject ${subject}` : ''}`;
  }
  if (!spec || spec.type === 'NONE' || !spec.schedule) return 'none';
  const { cron, rate } = spec.schedule;
  if (cron) return `cron "${cron.expression}"${cron.timezone ? ` ${cron.timezone}` : ''}`;
  if (rate) {
    const start = rate.startTime ? ` from ${rate.startTime}` : '';
    return `every ${rate.value} ${rate.unit}${start}`;
  }
  return 'none';
}

export function describeTrigger(t: Schemas['TriggerDetailsDto']): string {
  const { spec, status, metadata } = t;
  return [
    `${formatKey(t.id.name)}  (revision ${t.id.revision})`,
    fields([
      ['active', spec.active ? 'yes' : 'no'],
      ['task version', spec.taskVersion],
      ['schedule', describeSchedule(t.automationSpec)],
      ['kickoff input', t.automationSpec.schedule?.kickoffTimeInputArg],
      ['inputs', Object.keys(spec.inputs).length > 0 ? JSON.stringify(spec.inputs) : null],
      ['description', spec.description],
      ['deployed', `${status.deployedAt} by ${metadata.deployedBy}`],
      ['updated', `${status.updatedAt} by ${metadata.updatedBy}`],
      ['next fire', status.nextFireAt],
      ['last scheduled', status.lastScheduledAt],
      ['last triggered', status.triggeredAt],
    ]),
  ].join('\n');
}

export function runsTable(runs: Schemas['RunDto'][]): string {
  if (runs.length === 0) return 'no runs';
  return table(
    ['NAME', 'SOURCE', 'SCHEDULED', 'CREATED', 'REV'],
    runs.map((r) => [
      r.name,
      r.source,
      r.scheduledAt,
      r.createdAt as unknown as string | null,
      r.trigger.revision,
    ]),
  );
}

/** Every leaf of a JSON value by dotted path (`spec.inputs.region`); arrays by index. */
export function flatten(
  value: unknown,
  prefix = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

export interface Change {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** The leaf-level differences from `before` to `after`, sorted by path. */
export function diffValues(before: unknown, after: unknown): Change[] {
  const a = flatten(before);
  const b = flatten(after);
  const changes: Change[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const inA = a.has(path);
    const inB = b.has(path);
    if (inA && !inB) changes.push({ path, kind: 'removed', before: a.get(path) });
    else if (!inA && inB) changes.push({ path, kind: 'added', after: b.get(path) });
    else if (JSON.stringify(a.get(path)) !== JSON.stringify(b.get(path))) {
      changes.push({ path, kind: 'changed', before: a.get(path), after: b.get(path) });
    }
  }
  return changes;
}

/** `~ spec.taskVersion: "v6" -> "v7"`, `+ path: value`, `- path: value`, one per line. */
export function describeChanges(changes: Change[], indent = ''): string {
  const show = (v: unknown) => JSON.stringify(v);
  return changes
    .map((c) =>
      c.kind === 'added'
        ? `${indent}+ ${c.path}: ${show(c.after)}`
        : c.kind === 'removed'
          ? `${indent}- ${c.path}: ${show(c.before)}`
          : `${indent}~ ${c.path}: ${show(c.before)} -> ${show(c.after)}`,
    )
    .join('\n');
}
