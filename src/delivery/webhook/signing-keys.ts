import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * One webhook signing key (docs/webhooks.md "Signing keys"). The secret bytes live in a private
 * field, and printing, inspecting or serialising the key shows only `[redacted]`, so a key can
 * never reach a log line or a response by accident.
 */
export class SigningKey {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = Buffer.from(secret);
  }

  /** base64 of HMAC-SHA256(key, content): one Standard Webhooks `v1` signature. */
  sign(content: string): string {
    return createHmac('sha256', this.#secret).update(content).digest('base64');
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'SigningKey [redacted]';
  }
}

/** WEBHOOK_SIGNING_KEYS parsed: keys per project, and the default (`*`) for the others. */
export class SigningKeys {
  constructor(
    private readonly byProject: ReadonlyMap<string, readonly SigningKey[]>,
    private readonly fallback: readonly SigningKey[],
  ) {}

  static none(): SigningKeys {
    return new SigningKeys(new Map(), []);
  }

  /** The keys that sign calls for `project`'s runs (its own, else the default); maybe none. */
  forProject(project: string): readonly SigningKey[] {
    return this.byProject.get(project) ?? this.fallback;
  }

  /** How many entries were configured (for the start-up log; never the keys). */
  describe(): string {
    const projects = [...this.byProject.keys()];
    const parts = projects.map((p) => `${p} (${this.byProject.get(p)?.length} keys)`);
    if (this.fallback.length > 0) parts.push(`* (${this.fallback.length} keys)`);
    return parts.length === 0 ? 'none' : parts.join(', ');
  }

  toJSON(): string {
    return `[signing keys: ${this.describe()}]`;
  }

  [inspect.custom](): string {
    return `SigningKeys [${this.describe()}]`;
  }
}

const PROJECT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses `PROJECT=KEY|KEY…,*=KEY`: an entry splits at its first `=` (base64 keys end in `=`), a
 * key is `whsec_` + base64 of 24–64 bytes. Throws an Error whose message names the entry and the
 * key's position, never the key itself.
 */
export function parseSigningKeys(value: string): SigningKeys {
  const byProject = new Map<string, SigningKey[]>();
  let fallback: SigningKey[] | null = null;
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const [i, entry] of entries.entries()) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw new Error(`entry ${i + 1} is not PROJECT=KEY|KEY… (no "=")`);
    const project = entry.slice(0, eq).trim();
    if (project !== '*' && !PROJECT.test(project)) {
      // not echoed: a key pasted without its project would land in the message
      throw new Error(`entry ${i + 1}: what precedes the first "=" is not a project name or *`);
    }
    const keys = entry
      .slice(eq + 1)
      .split('|')
      .map((k, i) => parseKey(k.trim(), project, i + 1));
    if (project === '*') {
      if (fallback !== null) throw new Error('the default entry * appears twice');
      fallback = keys;
    } else {
      if (byProject.has(project)) throw new Error(`project "${project}" appears twice`);
      byProject.set(project, keys);
    }
  }
  return new SigningKeys(byProject, fallback ?? []);
}

function parseKey(text: string, project: string, position: number): SigningKey {
  const where = `key ${position} of ${project === '*' ? 'the default entry *' : `project "${project}"`}`;
  if (!text.startsWith('whsec_')) throw new Error(`${where} does not start with whsec_`);
  const b64 = text.slice('whsec_'.length);
  if (!BASE64.test(b64) || b64 === '') throw new Error(`${where} is not whsec_ + base64`);
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < 24 || bytes.length > 64) {
    throw new Error(`${where} decodes to ${bytes.length} bytes; expected 24–64`);
  }
  return new SigningKey(bytes);
}
