// The dashboard's shell: theme, key prompt, navigation between pages (hash routes).
import { ApiError, onUnauthenticated, session } from './api.js';
import { caller, forget, loadCaller, mayChange } from './auth.js';
import { errorBox, fill, h } from './dom.js';
import { renderRuns } from './page-runs.js';
import { renderTrigger } from './page-trigger.js';
import { renderTriggers } from './page-triggers.js';

const main = document.getElementById('main');
const THEME = 'sundial.theme';

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  const button = document.getElementById('theme');
  button.textContent = dark ? '☀ Light' : '☾ Dark';
  button.setAttribute(
    'aria-label',
    dark ? 'Switch to the light theme' : 'Switch to the dark theme',
  );
}

document.getElementById('theme').addEventListener('click', () => {
  const current = document.documentElement.dataset.theme;
  const dark = current ? current === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  const next = dark ? 'light' : 'dark';
  localStorage.setItem(THEME, next);
  applyTheme(next);
});
applyTheme(localStorage.getItem(THEME));

document.getElementById('sign-out').addEventListener('click', () => {
  forget();
  showPrompt('Signed out.');
});

function showWho() {
  const me = caller();
  const who = document.getElementById('who');
  const out = document.getElementById('sign-out');
  who.hidden = !me?.authEnabled;
  out.hidden = !me?.authEnabled;
  if (me?.authEnabled) {
    fill(
      who,
      h('span', { class: 'who-name' }, me.name),
      ' ',
      h(
        'span',
        {
          class: `badge b-role-${me.role}`,
          title: mayChange() ? 'may change triggers' : 'read only',
        },
        me.role,
      ),
      me.projects.length ? h('span', { class: 'muted' }, ` · ${me.projects.join(', ')}`) : null,
    );
  }
  document.body.classList.toggle('read-only', !mayChange());
}

let generation = 0;
/** Whether a render started at `gen` is still the page shown (a later navigation wins). */
export const isCurrent = (gen) => gen === generation;

function showPrompt(message) {
  generation++;
  showWho();
  const input = h('input', {
    id: 'api-key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const status = h('div', {});
  const form = h(
    'form',
    { class: 'card prompt', id: 'key-prompt' },
    h('h1', {}, 'Sign in with an API key'),
    h(
      'p',
      { class: 'muted' },
      'This server needs an API key. It is kept in this tab only (session storage) and sent as a bearer token.',
    ),
    message ? h('p', { class: 'notice' }, message) : null,
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.key = input.value.trim();
    try {
      await loadCaller();
      showWho();
      await route();
    } catch (err) {
      session.key = null;
      fill(status, errorBox(err));
      input.focus();
    }
  });
  fill(main, form);
  input.focus();
}

onUnauthenticated.add((err) => {
  const hadKey = session.key !== null;
  forget();
  showPrompt(hadKey ? `The key was refused: ${err.message}` : undefined);
});

async function route() {
  const gen = ++generation;
  document.getElementById('toasts').replaceChildren();
  const hash = location.hash.replace(/^#/, '') || '/triggers';
  const [path, search = ''] = hash.split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('[data-nav]')) {
    const on = a.dataset.nav === (parts[0] === 'trigger' ? 'triggers' : parts[0]);
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (caller() === null) {
      await loadCaller();
      showWho();
    }
    const ctx = { main, params, gen, isCurrent: () => isCurrent(gen) };
    if (parts[0] === 'trigger' && parts.length === 5) {
      const [project, domain, taskName, name] = parts.slice(1);
      await renderTrigger(ctx, { project, domain, taskName, name });
    } else if (parts[0] === 'runs') await renderRuns(ctx);
    else await renderTriggers(ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // the prompt is shown
    if (isCurrent(gen)) fill(main, errorBox(err));
  }
}

window.addEventListener('hashchange', () => void route());
// "/" jumps to the page's search or first filter, as in most consoles.
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.('input, select, textarea, [contenteditable]')) return;
  const field = main.querySelector('form.filters input, form.filters select');
  if (field) {
    event.preventDefault();
    field.focus();
  }
});
void route();
