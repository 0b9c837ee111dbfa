import { randomBytes } from 'node:crypto';

export interface TriggerNameBody {
  project: string;
  domain: string;
  taskName: string;
  name: string;
}

/** A deploy body (api.md "Deploy body"), as sent over HTTP. */
export interface DeployBody {
  revision?: number | null;
  spec: Record<string, unknown>;
  automationSpec: Record<string, unknown>;
}

let sequence = 0;

/** A unique, valid name part (lowercase, so it fits every part's rule). */
export function uniquePart(prefix = 'x'): string {
  sequence += 1;
  return `${prefix}-${randomBytes(3).toString('hex')}-${sequence}`;
}

/** A fresh trigger name; parts may be overridden. */
export function aName(overrides: Partial<TriggerNameBody> = {}): TriggerNameBody {
  return {
    project: 'proj',
    domain: 'dev',
    taskName: 'task.export',
    name: uniquePart('trg'),
    ...overrides,
  };
}

/** The URL path of a trigger: `/triggers/{project}/{domain}/{taskName}/{name}`. */
export function triggerPath(n: TriggerNameBody): string {
  return `/triggers/${[n.project, n.domain, n.taskName, n.name].map(encodeURIComponent).join('/')}`;
}

/** Builds deploy bodies: `aTrigger().withCron('0 9 * * *').build()`. */
export class TriggerBuilder {
  private spec: Record<string, unknown> = { taskVersion: 'v1' };
  private automationSpec: Record<string, unknown> = {
    type: 'SCHEDULE',
    schedule: { cron: { expression: '0 9 * * *', timezone: 'UTC' } },
  };
  private revision: number | null | undefined = undefined;

  withCron(expression: string, timezone?: string | null): this {
    const cron: Record<string, unknown> = { expression };
    if (timezone !== undefined) cron.timezone = timezone;
    this.automationSpec = { type: 'SCHEDULE', schedule: { cron } };
    return this;
  }

  withRate(value: unknown, unit: unknown, startTime?: string): this {
    const rate: Record<string, unknown> = { value, unit };
    if (startTime !== undefined) rate.startTime = startTime;
    this.automationSpec = { type: 'SCHEDULE', schedule: { rate } };
    return this;
  }

  withNoSchedule(): this {
    this.automationSpec = { type: 'NONE' };
    return this;
  }

  withAutomationSpec(spec: Record<string, unknown>): this {
    this.automationSpec = spec;
    return this;
  }

  withKickoffArg(arg: string): this {
    const schedule = { ...(this.automationSpec.schedule as object), kickoffTimeInputArg: arg };
    this.automationSpec = { ...this.automationSpec, schedule };
    return this;
  }

  withTaskVersion(taskVersion: unknown): this {
    this.spec = { ...this.spec, taskVersion };
    return this;
  }

  inactive(): this {
    return this.withSpec({ active: false });
  }

  active(): this {
    return this.withSpec({ active: true });
  }

  withInputs(inputs: unknown): this {
    return this.withSpec({ inputs });
  }

  withDescription(description: unknown): this {
    return this.withSpec({ description });
  }

  withRunSpec(runSpec: unknown): this {
    return this.withSpec({ runSpec });
  }

  /** Merges fields into `spec` (any value, for invalid-input tests). */
  withSpec(fields: Record<string, unknown>): this {
    this.spec = { ...this.spec, ...fields };
    return this;
  }

  atRevision(revision: number | null): this {
    this.revision = revision;
    return this;
  }

  build(): DeployBody {
    const body: DeployBody = {
      spec: structuredClone(this.spec),
      automationSpec: structuredClone(this.automationSpec),
    };
    if (this.revision !== undefined) body.revision = this.revision;
    return body;
  }
}

export function aTrigger(): TriggerBuilder {
  return new TriggerBuilder();
}
