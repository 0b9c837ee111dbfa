import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ATTEMPT_COLUMNS,
  RUN_RECORD_COLUMNS,
  type AttemptRecord,
  type RunRecord,
} from './run-record';
import type { RunState } from './run-state';

export interface RunFilter {
  queue?: string;
  state?: RunState;
  project?: string;
  domain?: string;
  taskName?: string;
  /** null: every project; else only these */
  projects: string[] | null;
}

/** Position in GET /runs, newest scheduled first: (scheduledAt, internal id) of the last seen. */
export interface RunListKey {
  scheduledAt: Date;
  id: string;
}

/** Reads of runs by id and across triggers (GET /runs/{id}, GET /runs). */
@Injectable()
export class RunQueriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The run with this public id, with its trigger's name; null if none. */
  async findByPublicId(publicId: string): Promise<RunRecord | null> {
    const rows = await this.dataSource.query<RunRecord[]>(
      `SELECT ${RUN_RECORD_COLUMNS} FROM runs r JOIN triggers t ON t.id = r.trigger_id
       WHERE r.public_id = $1::uuid`,
      [publicId],
    );
    return rows[0] ?? null;
  }

  /** The states of those of these runs that exist (one round trip for a batch's failures). */
  async statesOf(publicIds: string[]): Promise<{ publicId: string; state: RunState }[]> {
    if (publicIds.length === 0) return [];
    return this.dataSource.query<{ publicId: string; state: RunState }[]>(
      `SELECT public_id::text AS "publicId", state FROM runs WHERE public_id = ANY($1::uuid[])`,
      [publicIds],
    );
  }

  /** A run's attempts, first to last. */
  async attempts(runId: string): Promise<AttemptRecord[]> {
    return this.dataSource.query<AttemptRecord[]>(
      `SELECT ${ATTEMPT_COLUMNS} FROM run_attempts WHERE run_id = $1::bigint ORDER BY number`,
      [runId],
    );
  }

  /** Runs matching the filter, newest scheduledAt first (ties: newest id), strictly after `after`. */
  async list(filter: RunFilter, after: RunListKey | null, limit: number): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.queue !== undefined) add((p) => `r.queue = ${p}`, filter.queue);
    if (filter.state !== undefined) add((p) => `r.state = ${p}`, filter.state);
    if (filter.project !== undefined) add((p) => `r.project = ${p}`, filter.project);
    if (filter.domain !== undefined) add((p) => `t.domain = ${p}`, filter.domain);
    if (filter.taskName !== undefined) add((p) => `t.task_name = ${p}`, filter.taskName);
    if (filter.projects !== null) add((p) => `r.project = ANY(${p}::text[])`, filter.projects);
    if (after !== null) {
      params.push(after.scheduledAt.toISOString(), after.id);
      where.push(
        `(r.scheduled_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`,
      );
    }
    params.push(limit);
    return this.dataSource.query<RunRecord[]>(
      `SELECT ${RUN_RECORD_COLUMNS} FROM runs r JOIN triggers t ON t.id = r.trigger_id
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.scheduled_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
