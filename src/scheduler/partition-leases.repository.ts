import type { DataSource } from 'typeorm';
import { PARTITION_COUNT } from './partitions';

/** One heartbeat's view: the live instances (by id) and the partitions this one still holds. */
export interface HeartbeatView {
  instances: string[];
  held: number[];
}

/**
 * The partition lease table (docs/scale-out.md), on the database's clock: every statement is
 * one round trip, so it works through transaction-pooling proxies, and nothing depends on a
 * session staying open.
 */
export class PartitionLeasesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instanceId: string,
    private readonly leaseMs: number,
  ) {}

  instanceIdOf(): string {
    return this.instanceId;
  }

  /**
   * Registers or renews this instance and renews the leases it holds (those nobody took from it),
   * in one statement; answers the live instances and what it still holds.
   */
  async heartbeat(): Promise<HeartbeatView> {
    const rows: { instances: string[] | null; held: number[] | null }[] =
      await this.dataSource.query(
        `WITH me AS (
           INSERT INTO scheduler_instances (instance_id, expires_at)
           VALUES ($1, now() + $2 * interval '1 millisecond')
           ON CONFLICT (instance_id) DO UPDATE
             SET heartbeat_at = now(), expires_at = EXCLUDED.expires_at
           RETURNING instance_id
         ),
         renewed AS (
           UPDATE scheduler_partitions SET lease_expires_at = now() + $2 * interval '1 millisecond'
           WHERE owner = $1 RETURNING partition
         )
         SELECT (SELECT array_agg(i.instance_id ORDER BY i.instance_id) FROM (
                   SELECT instance_id FROM scheduler_instances
                   WHERE expires_at > now() AND instance_id <> $1
                   UNION ALL SELECT instance_id FROM me) i) AS instances,
                (SELECT array_agg(partition ORDER BY partition) FROM renewed) AS held`,
        [this.instanceId, this.leaseMs],
      );
    return { instances: rows[0]?.instances ?? [], held: rows[0]?.held ?? [] };
  }

  /**
   * Takes up to `count` partitions that nobody holds or whose lease ran out; answers them (a
   * top-level SELECT: TypeORM answers a bare UPDATE … RETURNING as [rows, count]).
   */
  async claim(count: number): Promise<number[]> {
    if (count <= 0) return [];
    const rows: { partition: number }[] = await this.dataSource.query(
      `WITH taken AS (
       UPDATE scheduler_partitions p
       SET owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond', acquired_at = now()
       FROM (SELECT partition FROM scheduler_partitions
             WHERE partition < $4 AND (owner IS NULL OR lease_expires_at <= now())
             ORDER BY partition LIMIT $3 FOR UPDATE SKIP LOCKED) free
       WHERE p.partition = free.partition
       RETURNING p.partition
       )
       SELECT partition FROM taken`,
      [this.instanceId, this.leaseMs, count, PARTITION_COUNT],
    );
    return rows.map((r) => r.partition).sort((a, b) => a - b);
  }

  /** Gives partitions back (only those this instance still holds). */
  async release(partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.dataSource.query(
      `UPDATE scheduler_partitions SET owner = NULL, lease_expires_at = NULL
       WHERE owner = $1 AND partition = ANY($2::int[])`,
      [this.instanceId, partitions],
    );
  }

  /** Leaves: releases everything and removes the instance row (a graceful stop). */
  async leave(): Promise<void> {
    await this.dataSource.query(
      `WITH freed AS (
         UPDATE scheduler_partitions SET owner = NULL, lease_expires_at = NULL WHERE owner = $1
       )
       DELETE FROM scheduler_instances WHERE instance_id = $1`,
      [this.instanceId],
    );
  }

  /** Forgets instances whose heartbeat stopped long ago (housekeeping, any instance). */
  async forgetDead(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM scheduler_instances WHERE expires_at < now() - interval '1 hour'`,
    );
  }
}

/**
 * The fair share of instance `rank` among `instances` live ones: the partitions divided evenly,
 * the remainder going to the lowest ranks, so the shares always add up to the whole.
 */
export function fairShare(rank: number, instances: number, total = PARTITION_COUNT): number {
  if (instances <= 0 || rank < 0) return total;
  return Math.floor(total / instances) + (rank < total % instances ? 1 : 0);
}
