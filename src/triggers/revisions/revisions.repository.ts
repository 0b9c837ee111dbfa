import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RevisionAction } from './trigger-revision.entity';

/** The status snapshot stored with each revision (ISO strings). */
export interface RevisionStatusSnapshot {
  deployedAt: string;
  updatedAt: string;
  activatedAt: string | null;
  triggeredAt: string | null;
  lastScheduledAt: string | null;
  deletedAt: string | null;
  effectiveAt?: string | null;
  note?: string | null;
  remainingRuns?: number | null;
}

/** One revision row as read back. */
export interface RevisionRecord {
  triggerId: string;
  revision: number;
  action: RevisionAction;
  actor: string;
  createdAt: Date;
  active: boolean;
  taskVersion: string;
  spec: Record<string, unknown>;
  automationSpec: Record<string, unknown>;
  status: RevisionStatusSnapshot;
  deployedBy: string;
  updatedBy: string;
  /** the note of an activate or deactivate */
  note: string | null;
}

const COLUMNS = `trigger_id AS "triggerId", revision, action, actor, created_at AS "createdAt", active,
  task_version AS "taskVersion", spec, automation_spec AS "automationSpec", status,
  deployed_by AS "deployedBy", updated_by AS "updatedBy", note`;

/** The key of one revision in maps of several triggers' revisions: `triggerId:revision`. */
export function revisionKey(triggerId: string, revision: number): string {
  return `${triggerId}:${revision}`;
}

/** Reads of the append-only `trigger_revisions` table (rows are written with each change). */
@Injectable()
export class RevisionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Up to `limit` revisions of a trigger, newest first, with numbers below `before` (null: from the latest). */
  async pageHistory(
    triggerId: string,
    before: number | null,
    limit: number,
  ): Promise<RevisionRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM trigger_revisions
       WHERE trigger_id = $1 AND ($2::int IS NULL OR revision < $2::int)
       ORDER BY revision DESC LIMIT $3`,
      [triggerId, before, limit],
    );
  }

  /**
   * `spec.delivery` of several revisions in one statement, keyed by revisionKey (null when
   * the spec has none); a revision that does not exist is missing from the map.
   */
  async findDeliveries(
    revisions: { triggerId: string; revision: number }[],
  ): Promise<Map<string, unknown>> {
    const rows: { triggerId: string; revision: number; delivery: unknown }[] =
      await this.dataSource.query(
        `SELECT r.trigger_id::text AS "triggerId", r.revision, r.spec -> 'delivery' AS delivery
         FROM unnest($1::bigint[], $2::int[]) AS k(trigger_id, revision)
         JOIN trigger_revisions r ON r.trigger_id = k.trigger_id AND r.revision = k.revision`,
        [revisions.map((r) => r.triggerId), revisions.map((r) => r.revision)],
      );
    return new Map(rows.map((r) => [revisionKey(r.triggerId, r.revision), r.delivery ?? null]));
  }

  /** One revision of a trigger, or null when it has no such revision. */
  async findOne(triggerId: string, revision: number): Promise<RevisionRecord | null> {
    const rows: RevisionRecord[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM trigger_revisions WHERE trigger_id = $1 AND revision = $2`,
      [triggerId, revision],
    );
    return rows[0] ?? null;
  }
}
