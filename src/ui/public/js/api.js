// The dashboard's only way to the server: the public REST API (docs/api.md), with the key the
// viewer typed, kept in sessionStorage only.

const KEY = 'sundial.apiKey';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
    this.details = body?.details;
  }
}

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
};

let inFlight = 0;
let busyTimer = null;
function busy(delta) {
  inFlight += delta;
  const bar = document.getElementById('busy');
  if (!bar) return;
  if (inFlight > 0 && busyTimer === null) {
    // Only slow calls show the bar, so fast pages do not flicker.
    busyTimer = setTimeout(() => (bar.hidden = false), 150);
  } else if (inFlight === 0) {
    clearTimeout(busyTimer);
    busyTimer = null;
    bar.hidden = true;
  }
}

/** Handlers for a 401: the app shows the key prompt. */
export const onUnauthenticated = new Set();

/** `api('GET', '/triggers', { query, body, headers })` → parsed JSON (null for 204). */
export async function api(method, path, { query, body, headers = {} } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const h = { Accept: 'application/json', ...headers };
  if (session.key) h.Authorization = `Bearer ${session.key}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  busy(1);
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, {
      code: 'NETWORK',
      message: `the server cannot be reached (${err.message})`,
    });
  } finally {
    busy(-1);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    if (res.status === 401) for (const fn of onUnauthenticated) fn(err);
    throw err;
  }
  return json;
}

/** The four path segments of a trigger, encoded: `/triggers/p/d/t/n`. */
export function triggerPath(name) {
  return ['/triggers', name.project, name.domain, name.taskName, name.name]
    .map((s, i) => (i === 0 ? s : encodeURIComponent(s)))
    .join('/');
}

/** 404 (the route does not exist on this server yet) → null, so the caller hides that panel. */
export async function optional(promise) {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** A random Idempotency-Key (crypto.randomUUID needs a secure context; this does not). */
export function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `ui-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
