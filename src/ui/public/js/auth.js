// Who the viewer is (GET /auth/me) and what the key's role may do (docs/api.md "Authentication").
import { api, ApiError, session } from './api.js';

let me = null;

/** { authEnabled, name, role, projects }; null while unknown. */
export function caller() {
  return me;
}

export async function loadCaller() {
  try {
    me = await api('GET', '/auth/me');
  } catch (err) {
    // A server without /auth/me: assume what the API will enforce anyway, and let it answer 403.
    if (err instanceof ApiError && err.status === 404)
      me = { authEnabled: !!session.key, name: null, role: 'admin', projects: [] };
    else throw err;
  }
  return me;
}

export function forget() {
  me = null;
  session.key = null;
}

/** Deploy, activate, deactivate, fire, backfill, cancel: writer and admin. */
export function mayChange() {
  return me !== null && (me.role === 'writer' || me.role === 'admin');
}
