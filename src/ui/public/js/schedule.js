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
  const { cron, rate, at } = automationSpec.schedule ?? {};
  if (at) return `Once, at ${at}`;
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
  const { cron, rate, at } = automationSpec?.schedule ?? {};
  if (at) return `at ${at}`;
  if (cron) return cron.expression;
  if (rate)
    return `rate ${rate.value} ${rate.unit}${rate.startTime ? ` from ${rate.startTime}` : ''}`;
  return '';
}

/**
 * The policies a trigger was deployed with, in words ('' when none): overlap, missed slots,
 * jitter, active window, run limit, pause on failure (docs/policies.md).
 */
export function policiesInWords(automationSpec) {
  const p = automationSpec?.policies ?? {};
  const parts = [];
  const atOnce = p.maxConcurrentRuns ? `, ${p.maxConcurrentRuns} at once` : '';
  if (p.overlapPolicy && p.overlapPolicy !== 'ALLOW_ALL')
    parts.push(`overlap ${p.overlapPolicy}${atOnce}`);
  if (p.misfirePolicy || p.catchupWindow) {
    const within = p.catchupWindow ? ` within ${p.catchupWindow}` : '';
    parts.push(`missed slots ${p.misfirePolicy ?? 'FIRE_ALL'}${within}`);
  }
  if (p.jitter) parts.push(`jitter up to ${p.jitter}`);
  if (p.activeFrom) parts.push(`live from ${p.activeFrom}`);
  if (p.activeUntil) parts.push(`live until ${p.activeUntil}`);
  if (p.maxRuns) parts.push(`at most ${p.maxRuns} runs`);
  if (p.pauseOnFailure) parts.push('pauses on failure');
  return parts.join(' · ');
}

/** Where the trigger's runs go: "queue default", "webhook POST https://…". */
export function deliveryInWords(spec) {
  const d = spec?.delivery;
  if (!d || d.type === 'QUEUE') return `queue ${d?.queue ?? 'default'}`;
  if (d.type === 'WEBHOOK') return `webhook ${d.method ?? 'POST'} ${d.url}`;
  return String(d.type);
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
