import { InvalidArgumentError } from 'commander';
import { ApiError, sundialClient, type SundialClient } from './client/client';

/** Where the CLI writes and what it reads from its environment (the process's, or a test's). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

export type OutputFormat = 'human' | 'json';

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  output: OutputFormat;
}

export const DEFAULT_URL = 'http://localhost:3000';

/** Exit codes (docs/triggers-as-code.md "CLI"). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A problem with the command line itself (exit 2). */
export class UsageError extends Error {}

/** A failure the command has already described (exit 1). */
export class CommandFailed extends Error {}

/** What every command gets: the client, the output format and writers. */
export class CliContext {
  readonly client: SundialClient;
  readonly url: string;
  readonly output: OutputFormat;

  constructor(
    readonly io: CliIo,
    options: GlobalOptions,
  ) {
    this.url = options.url ?? io.env.SUNDIAL_URL ?? DEFAULT_URL;
    this.output = options.output;
    const apiKey = options.apiKey ?? io.env.SUNDIAL_API_KEY;
    this.client = sundialClient({ url: this.url, apiKey: apiKey || undefined, fetch: io.fetch });
  }

  get json(): boolean {
    return this.output === 'json';
  }

  /** Prints `value` as JSON with --output json, else the human text `human()` builds. */
  print(value: unknown, human: () => string): void {
    if (this.json) this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    else {
      const text = human();
      if (text.length > 0) this.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** A note for people (stderr, so that stdout stays parseable). */
  note(text: string): void {
    if (!this.json) this.io.stderr(`${text}\n`);
  }

  /** Reports an error: the API's code, status, message and field errors (or its body as JSON). */
  reportError(e: unknown): void {
    if (e instanceof ApiError) {
      if (this.json) {
        this.io.stderr(`${JSON.stringify({ error: e.toBody() }, null, 2)}\n`);
        return;
      }
      const status = e.status > 0 ? ` (${e.status})` : '';
      const lines = [`error: ${e.code}${status}: ${e.message}`];
      for (const f of e.fieldErrors()) lines.push(`  ${f.field}: ${f.message}`);
      if (e.requestId) lines.push(`  request id: ${e.requestId}`);
      this.io.stderr(`${lines.join('\n')}\n`);
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (this.json) this.io.stderr(`${JSON.stringify({ error: { message } })}\n`);
    else this.io.stderr(`error: ${message}\n`);
  }
}

/** `project/domain/taskName/name`, as the path segments of api.md's `{key}`. */
export interface TriggerKey {
  project: string;
  domain: string;
  taskName: string;
  name: string;
}

export function parseTriggerKey(text: string): TriggerKey {
  const parts = text.split('/');
  if (parts.length !== 4 || parts.some((p) => p.length === 0)) {
    throw new UsageError(`"${text}" is not a trigger key: expected project/domain/taskName/name`);
  }
  const [project, domain, taskName, name] = parts;
  return { project, domain, taskName, name };
}

export function formatKey(k: TriggerKey): string {
  return `${k.project}/${k.domain}/${k.taskName}/${k.name}`;
}

/** A whole number option within bounds (the API checks the bounds again). */
/** The `limit` / `token` query of a paged list, as the CLI's options give them. */
export function pageQuery(o: { limit?: number; token?: string }): {
  limit?: string;
  token?: string;
} {
  return { limit: o.limit === undefined ? undefined : String(o.limit), token: o.token };
}

export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`--${name} must be a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}
