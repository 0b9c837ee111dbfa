import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { TriggerEntity } from './trigger.entity';

/** A task: the three name parts its triggers share. */
export interface TaskName {
  project: string;
  domain: string;
  taskName: string;
}

/** Where a statement runs: the pool, or one transaction's connection. */
export type Queryable = Pick<EntityManager, 'query'>;

/** A row of the task's triggers, as the set compares them. */
export type TaskTriggerRow = Pick<
  TriggerEntity,
  'id' | 'name' | 'latestRevision' | 'spec' | 'automationSpec' | 'deletedAt'
>;

/** Transactions of `PUT /tasks/{project}/{domain}/{taskName}/triggers` (one per task). */
@Injectable()
export class TriggerSetRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in one transaction that holds the task's advisory lock, so that concurrent sets
   * of one task run one after the other (each sees what the previous committed). Everything
   * inside must run on the `db` it is given.
   */
  async inTaskTransaction<T>(task: TaskName, work: (db: Queryable) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `sundial trigger set ${task.project}/${task.domain}/${task.taskName}`,
      ]);
      return work(manager);
    });
  }

  /**
   * Every trigger row of the task, deleted ones included, locked (in id order, like the bulk
   * statements, so the two never deadlock) until the transaction ends.
   */
  async findTaskTriggers(db: Queryable, task: TaskName): Promise<TaskTriggerRow[]> {
    return db.query(
      `SELECT id, name, latest_revision AS "latestRevision", spec,
         automation_spec AS "automationSpec", deleted_at AS "deletedAt"
       FROM triggers WHERE project = $1 AND domain = $2 AND task_name = $3
       ORDER BY id FOR UPDATE`,
      [task.project, task.domain, task.taskName],
    );
  }
}
