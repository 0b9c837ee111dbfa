/**
 * The one rule for a run's payloads (docs/runs.md "What a run holds"), used by every statement that creates
 * runs and by the backfill dry run, so what a dry run shows is what a run gets.
 */

/** The run's inputs: the trigger's inputs plus the kickoff-time argument, when it has one. */
export function inputsSql(trigger: string, iso: string): string {
  return `(CASE WHEN jsonb_typeof(${trigger}.spec->'inputs') = 'object'
               THEN ${trigger}.spec->'inputs' ELSE '{}'::jsonb END
          || CASE WHEN coalesce(${trigger}.automation_spec->'schedule'->>'kickoffTimeInputArg', '') = ''
               THEN '{}'::jsonb
               ELSE jsonb_build_object(${trigger}.automation_spec->'schedule'->>'kickoffTimeInputArg', ${iso})
             END)`;
}

export function runSpecSql(trigger: string): string {
  return `(CASE WHEN jsonb_typeof(${trigger}.spec->'runSpec') = 'object'
               THEN ${trigger}.spec->'runSpec' ELSE '{}'::jsonb END)`;
}

/**
 * An EVENT run's inputs: the trigger's inputs plus, when the filter names an `eventInputArg`, that
 * input = the whole event (`payload`, jsonb) (docs/events.md "Runs").
 */
export function eventInputsSql(trigger: string, payload: string): string {
  return `(CASE WHEN jsonb_typeof(${trigger}.spec->'inputs') = 'object'
               THEN ${trigger}.spec->'inputs' ELSE '{}'::jsonb END
          || CASE WHEN coalesce(${trigger}.automation_spec->'event'->>'eventInputArg', '') = ''
               THEN '{}'::jsonb
               ELSE jsonb_build_object(${trigger}.automation_spec->'event'->>'eventInputArg', ${payload})
             END)`;
}
