import type { RevisionAction } from './revisions/trigger-revision.entity';

/** Emitted in-process (EventEmitter2) once per committed trigger change, after the commit. */
export const TRIGGER_CHANGED = 'trigger.changed';

export interface TriggerName {
  project: string;
  domain: string;
  taskName: string;
  name: string;
}

export interface TriggerChangedEvent {
  /** triggers.id (bigint as a string) */
  triggerId: string;
  name: TriggerName;
  revision: number;
  action: RevisionAction;
}
