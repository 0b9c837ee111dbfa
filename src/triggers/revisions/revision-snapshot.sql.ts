import type { RevisionAction } from './trigger-revision.entity';

/** A timestamptz column as an ISO 8601 UTC string with milliseconds (null stays null). */
export function isoSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * SQL that appends one revision row per row of `source` (a CTE returning `triggers.*` after the
 * change): the full snapshot, stamped with the trigger's new updated_at and updated_by. Meant to be
 * a data-modifying CTE of the statement that made the change, so both commit together.
 */
export function insertRevisionsSql(source: string, action: RevisionAction): string {
  const actionSql = `'${action}'`;
  // the note belongs to the activation change that gave it (docs/policies.md "Notes")
  const noteSql = action === 'ACTIVATE' || action === 'DEACTIVATE' ? 's.note' : 'NULL';
  return `
    INSERT INTO trigger_revisions (trigger_id, revision, action, actor, created_at, active,
      task_version, spec, automation_spec, status, deployed_by, updated_by, note)
    SELECT s.id, s.latest_revision, ${actionSql}, s.updated_by, s.updated_at, s.active,
      s.task_version, s.spec, s.automation_spec,
      jsonb_build_object(
        'deployedAt', ${isoSql('s.deployed_at')},
        'updatedAt', ${isoSql('s.updated_at')},
        'activatedAt', ${isoSql('s.activated_at')},
        'triggeredAt', ${isoSql('s.triggered_at')},
        'lastScheduledAt', ${isoSql('s.last_scheduled_at')},
        'deletedAt', ${isoSql('s.deleted_at')},
        'effectiveAt', ${isoSql('s.effective_at')},
        'note', s.note,
        'remainingRuns', s.remaining_runs),
      s.deployed_by, s.updated_by, ${noteSql}
    FROM ${source} s`;
}
