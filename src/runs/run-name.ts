import { randomBytes } from 'node:crypto';
import type { TriggerName } from '../triggers/trigger-events';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** FNV-1 (multiply, then xor) over bytes, continuing from `hash`; 64-bit. */
function fnv1Continue(hash: bigint, text: string): bigint {
  let h = hash;
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  const bytes = ascii ? null : Buffer.from(text, 'utf8');
  const length = bytes ? bytes.length : text.length;
  for (let i = 0; i < length; i++) {
    h = BigInt.asUintN(64, h * FNV_PRIME) ^ BigInt(bytes ? bytes[i] : text.charCodeAt(i));
  }
  return h;
}

/** 64-bit FNV-1 (not 1a) of the UTF-8 bytes of `text`. */
export function fnv1_64(text: string): bigint {
  return fnv1Continue(FNV_OFFSET, text);
}

/** `Y:M:D:h:m:s` of an instant in UTC, without zero padding (Flyte's run-name time part). */
export function slotTimeKey(at: Date): string {
  return (
    `${at.getUTCFullYear()}:${at.getUTCMonth() + 1}:${at.getUTCDate()}:` +
    `${at.getUTCHours()}:${at.getUTCMinutes()}:${at.getUTCSeconds()}`
  );
}

/**
 * Names scheduled and backfill runs like Flyte: `r` + lowercase hex (no padding) of the FNV-1
 * hash of `project:domain:taskName:name:Y:M:D:h:m:s`. The hash of the trigger's prefix is
 * computed once per namer, so naming a slot hashes only its time.
 */
export class RunNamer {
  private readonly prefixHash: bigint;

  constructor(trigger: TriggerName) {
    this.prefixHash = fnv1_64(
      `${trigger.project}:${trigger.domain}:${trigger.taskName}:${trigger.name}:`,
    );
  }

  nameOf(scheduledAt: Date): string {
    return `r${fnv1Continue(this.prefixHash, slotTimeKey(scheduledAt)).toString(16)}`;
  }
}

/** The deterministic name of the run for a slot (docs/runs.md "Run names"). */
export function scheduledRunName(trigger: TriggerName, scheduledAt: Date): string {
  return new RunNamer(trigger).nameOf(scheduledAt);
}

/**
 * A manual run's name: `m` + 12 hex digits of the time in ms + 10 random hex digits. It sorts
 * by creation time and can never equal a scheduled name (those start with `r`).
 */
export function manualRunName(now: Date): string {
  return `m${now.getTime().toString(16).padStart(12, '0')}${randomBytes(5).toString('hex')}`;
}
