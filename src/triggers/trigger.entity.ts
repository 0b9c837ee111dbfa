import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * The current state of a trigger (table `triggers`); history lives in `trigger_revisions`.
 * Constraints and indexes are declared so the schema diff of `migration:generate` stays empty;
 * the partial indexes are built by the migrations (synchronize: false).
 */
@Entity({ name: 'triggers' })
@Unique('uq_triggers_name', ['project', 'domain', 'taskName', 'name'])
@Check('ck_triggers_automation_type', `"automation_type" IN ('SCHEDULE', 'NONE', 'EVENT')`)
@Check('ck_triggers_revision', `"latest_revision" >= 1`)
@Check('ck_triggers_remaining_runs', `"remaining_runs" >= 0`)
@Index('ix_triggers_active_schedules', { synchronize: false })
@Index('ix_triggers_list_default', { synchronize: false })
@Index('ix_triggers_list_updated', { synchronize: false })
@Index('ix_triggers_list_deployed', { synchronize: false })
@Index('ix_triggers_list_task', { synchronize: false })
@Index('ix_triggers_event_filter', { synchronize: false })
@Index('ix_triggers_schedule_partition', { synchronize: false })
export class TriggerEntity {
  /** bigint: kept as a string */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 63 })
  project!: string;

  @Column({ type: 'varchar', length: 63 })
  domain!: string;

  @Column({ name: 'task_name', type: 'varchar', length: 255 })
  taskName!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'latest_revision', type: 'integer' })
  latestRevision!: number;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'automation_type', type: 'varchar', length: 16 })
  automationType!: 'SCHEDULE' | 'NONE' | 'EVENT';

  @Column({ name: 'task_version', type: 'varchar', length: 63 })
  taskVersion!: string;

  /** the whole spec as deployed: taskVersion, active, inputs, runSpec, description */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  spec!: Record<string, unknown>;

  /** the automationSpec as deployed (type, schedule or event) */
  @Column({ name: 'automation_spec', type: 'jsonb', default: () => "'{}'" })
  automationSpec!: Record<string, unknown>;

  /** the schedule's effective time: last activation or automationSpec change (docs/scheduler.md) */
  @Column({ name: 'effective_at', type: 'timestamptz' })
  effectiveAt!: Date;

  @Column({ name: 'deployed_at', type: 'timestamptz' })
  deployedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'triggered_at', type: 'timestamptz', nullable: true })
  triggeredAt!: Date | null;

  @Column({ name: 'last_scheduled_at', type: 'timestamptz', nullable: true })
  lastScheduledAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ name: 'deployed_by', type: 'varchar', length: 255 })
  deployedBy!: string;

  @Column({ name: 'updated_by', type: 'varchar', length: 255 })
  updatedBy!: string;

  /** the note of the last activate or deactivate, until the next activation change */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  note!: string | null;

  /** with policies.maxRuns: SCHEDULE runs left (docs/policies.md "Run limit") */
  @Column({ name: 'remaining_runs', type: 'integer', nullable: true })
  remainingRuns!: number | null;
}
