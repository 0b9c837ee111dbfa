import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { TriggerEntity } from '../trigger.entity';

export type RevisionAction = 'DEPLOY' | 'ACTIVATE' | 'DEACTIVATE' | 'DELETE';

/** One immutable snapshot of a trigger, appended by every change (table `trigger_revisions`). */
@Entity({ name: 'trigger_revisions' })
@Check('ck_trigger_revisions_action', `"action" IN ('DEPLOY', 'ACTIVATE', 'DEACTIVATE', 'DELETE')`)
export class TriggerRevisionEntity {
  @PrimaryColumn({ name: 'trigger_id', type: 'bigint' })
  @ForeignKey(() => TriggerEntity, { name: 'trigger_revisions_trigger_id_fkey' })
  triggerId!: string;

  @PrimaryColumn({ type: 'integer' })
  revision!: number;

  @Column({ type: 'varchar', length: 16 })
  action!: RevisionAction;

  @Column({ type: 'varchar', length: 255 })
  actor!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'task_version', type: 'varchar', length: 63 })
  taskVersion!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  spec!: Record<string, unknown>;

  @Column({ name: 'automation_spec', type: 'jsonb', default: () => "'{}'" })
  automationSpec!: Record<string, unknown>;

  /** the status fields at that revision (deployedAt, updatedAt, activatedAt, …) as ISO strings */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  status!: Record<string, unknown>;

  @Column({ name: 'deployed_by', type: 'varchar', length: 255 })
  deployedBy!: string;

  @Column({ name: 'updated_by', type: 'varchar', length: 255 })
  updatedBy!: string;

  /** the note given with an activate or deactivate (null for other revisions) */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  note!: string | null;
}
