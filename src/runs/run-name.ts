import { randomBytes } from 'node:crypto';
import type { TriggerName } from '../triggers/trigger-events';

/** A 64-bit FNV-1 state as its high and low 32 bits. */
interface Fnv64 {
  hi: number;
  lo: number;
}

const FNV_OFFSET_HALVES: Fnv64 = { hi: 0xcbf29ce4, lo: 0x84222325 };

/**
 * FNV-1 (multiply, then xor) over the UTF-8 bytes of `text`, continuing from `from`; 64-bit, on
 * two 32-bit halves in plain numbers (a BigInt per byte made registering 250,000 triggers spend
 * most of its time in BigInt arithmetic). The prime is 2^40 + 0x1b3, so h * prime mod 2^64 =
 * h * 0x1b3 + (lo << 40): every step is exact in doubles.
 */
function fnv1Halves(from: Fnv64, text: string): Fnv64 {
  let { hi, lo } = from;
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  const bytes = ascii ? null : Buffer.from(text, 'utf8');
  const length = bytes ? bytes.length : text.length;
  for (let i = 0; i < length; i++) {
    const low = lo * 0x1b3; // < 2^41
    const lowBits = low >>> 0;
    const carry = (low - lowBits) / 0x1_0000_0000;
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = (lowBits ^ (bytes ? bytes[i] : text.charCodeAt(i))) >>> 0;
  }
  return { hi, lo };
}

/** Lowercase hex of a 64-bit value, without padding (as BigInt's toString(16)). */
function hex64({ hi, lo }: Fnv64): string {
  return hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** 64-bit FNV-1 (not 1a) of the UTF-8 bytes of `text`, in lowercase hex without padding. */
export function fnv1_64Hex(text: string): string {
  return hex64(fnv1Halves(FNV_OFFSET_HALVES, text));
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
  private readonly prefixHash: Fnv64;

  constructor(trigger: TriggerName) {
    this.prefixHash = fnv1Halves(
      FNV_OFFSET_HALVES,
      `${trigger.project}:${trigger.domain}:${trigger.taskName}:${trigger.name}:`,
    );
  }

  nameOf(scheduledAt: Date): string {
    return `r${hex64(fnv1Halves(this.prefixHash, slotTimeKey(scheduledAt)))}`;
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
