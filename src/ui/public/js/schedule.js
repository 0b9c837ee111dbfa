// A trigger's schedule in words (cronstrue, served from /ui/vendor/) and its zone.

/** The IANA zone the schedule's times are in: the cron's timezone, else UTC. */
export function zoneOf(automationSpec) {
  const cron = automationSpec?.schedule?.cron;
  if (cron?.timezone) return cron.timezone;
  const tz = /^CRON_TZ=(\S+)\s/.exec(cron?.expression ?? '');
  return tz ? tz[1] : 'UTC';
}

const UNITS = { MINUTE: 'minute', HOUR: 'hour', DAY: 'day' };

/** "On event com.example.x from src/*" (an EVENT trigger's filter in words). */
export function describeEvent(event) {
  const e = event ?? {};
  const parts = [`On event ${e.type ?? '?'}`];
  if (e.source && e.source !== '*') parts.push(`from ${e.source}`);
  if (e.subject) parts.push(`subject ${e.subject}`);
  return parts.join(' ');
}

/** "At 09:00 AM, Monday through Friday"; "Every 5 minutes"; "On event …"; "No schedule". */
export function describe(automationSpec) {
  if (automationSpec?.type === 'EVENT') return describeEvent(automationSpec.event);
  if (!automationSpec || automationSpec.type !== 'SCHEDULE') return 'No schedule (manual only)';
  const { cron, rate } = automationSpec.schedule ?? {};
  if (rate) {
    const unit = UNITS[rate.unit] ?? String(rate.unit).toLowerCase();
    return rate.value === 1 ? `Every ${unit}` : `Every ${rate.value} ${unit}s`;
  }
  if (cron) return cronInWords(cron.expression);
  return 'Unknown schedule';
}

/** The raw schedule: the cron expression, the rate, or an EVENT trigger's filter, as deployed. */
export function rawSchedule(automationSpec) {
  if (automationSpec?.type === 'EVENT') {
    const e = automationSpec.event ?? {};
    return [
      `type=${e.type}`,
      e.source ? `source=${e.source}` : '',
      e.subject ? `subject=${e.subject}` : '',
    ]
      .filter((x) => x !== '')
      .join(' ');
  }
  const { cron, rate } = automationSpec?.schedule ?? {};
  if (cron) return cron.expression;
  if (rate)
    return `rate ${rate.value} ${rate.unit}${rate.startTime ? ` from ${rate.startTime}` : ''}`;
  return '';
}

const MACROS = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export function cronInWords(expression) {
  let expr = String(expression ?? '')
    .trim()
    .replace(/^CRON_TZ=\S+\s+/, '');
  const every = /^@every\s+(.+)$/.exec(expr);
  if (every) return `Every ${every[1]}`;
  expr = MACROS[expr] ?? expr;
  const lib = globalThis.cronstrue;
  if (!lib) return expr;
  try {
    return lib.toString(expr, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return expr;
  }
}
