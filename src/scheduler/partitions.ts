import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * The scheduler's partitions (docs/scale-out.md): every trigger belongs to one of PARTITION_COUNT
 * partitions by a stable hash of its id, the same in TypeScript and in SQL. The count is fixed:
 * changing it moves triggers between partitions, so every instance must agree on it.
 */
export const PARTITION_COUNT = 64;

/** 2^31 - 1 and the MINSTD multiplier: one Lehmer step scrambles consecutive ids. */
const MODULUS = 2147483647n;
const MULTIPLIER = 48271n;

/** The partition of a trigger id (a bigint as text). */
export function partitionOf(triggerId: string): number {
  const mixed = ((BigInt(triggerId) % MODULUS) * MULTIPLIER) % MODULUS;
  return Number(mixed % BigInt(PARTITION_COUNT));
}

/**
 * The same in SQL, over a bigint column: (id mod p) < 2^31, times 48271 < 2^47, within bigint.
 * Indexed as an expression (migrations/1765001400000-ScaleOut.ts): keep the text identical.
 */
export function partitionSql(column: string): string {
  return `((${column} % ${MODULUS}) * ${MULTIPLIER} % ${MODULUS} % ${PARTITION_COUNT})::int`;
}

/** Every partition, in order. */
export const ALL_PARTITIONS: readonly number[] = Array.from(
  { length: PARTITION_COUNT },
  (_, i) => i,
);

/**
 * A scheduler instance id: SUNDIAL_INSTANCE_ID, else host, pid and a random suffix (unique per
 * start, so a restarted process never inherits leases it cannot know it holds).
 */
export function newInstanceId(configured: string | null): string {
  const id = configured?.trim() || `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  return id.slice(0, 64);
}
