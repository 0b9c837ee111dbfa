// Times are always shown with their zone: the trigger's zone, the viewer's, or UTC.

export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const formats = new Map();
function formatter(zone, withSeconds) {
  const id = `${zone}|${withSeconds}`;
  if (!formats.has(id)) {
    let f;
    try {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        weekday: 'short',
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: withSeconds ? '2-digit' : undefined,
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      return formatter('UTC', withSeconds);
    }
    formats.set(id, f);
  }
  return formats.get(id);
}

/** "Tue 1 Dec 2026, 09:00 CET" in `zone` (IANA name); '—' for null. */
export function fmt(iso, zone = viewerZone, { seconds = false } = {}) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return formatter(zone, seconds)
    .format(d)
    .replace(/,(?= \d{1,2} )/, '');
}

/** A <time> element: the zoned text, the exact instant in its title and datetime. */
export function timeEl(h, iso, zone = viewerZone, opts) {
  if (!iso) return '—';
  return h('time', { datetime: iso, title: `${iso} (UTC)` }, fmt(iso, zone, opts));
}

/** The UTC offset at the end of an ISO string with offset ("+01:00"), or "Z" → "+00:00". */
export function offsetOf(localIso) {
  const m = /([+-]\d{2}:\d{2}|Z)$/.exec(localIso ?? '');
  return m ? (m[1] === 'Z' ? '+00:00' : m[1]) : null;
}

/** "in 3 h", "5 min ago", relative to now. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 5) return 'just now';
  const span =
    a < 60
      ? `${a} s`
      : a < 3600
        ? `${Math.round(a / 60)} min`
        : a < 172800
          ? `${Math.round(a / 3600)} h`
          : `${Math.round(a / 86400)} d`;
  return s >= 0 ? `in ${span}` : `${span} ago`;
}

/** A duration in seconds as "3 min 20 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** The value of an <input type=datetime-local> (the viewer's zone) as a UTC ISO string. */
export function fromLocalInput(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An instant as an <input type=datetime-local> value in the viewer's zone. */
export function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
