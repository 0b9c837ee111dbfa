// The triggers list: filters, name search, sorting, keyset paging, one row per trigger.
import { api, triggerPath } from './api.js';
import { mayChange } from './auth.js';
import { badge, errorBox, fill, h, loading, toast, td } from './dom.js';
import { describe, rawSchedule, zoneOf } from './schedule.js';
import { relative, timeEl, viewerZone } from './time.js';

const FILTERS = ['project', 'domain', 'taskName', 'active', 'nameContains', 'sort', 'limit'];
const SORTS = [
  ['', 'Default (active first)'],
  ['name:asc', 'Name A→Z'],
  ['name:desc', 'Name Z→A'],
  ['taskName:asc', 'Task A→Z'],
  ['updatedAt:desc', 'Recently updated'],
  ['deployedAt:desc', 'Recently deployed'],
  ['triggeredAt:desc', 'Recently triggered'],
];

/** Tokens of the pages before the current one, per filter set (for "Previous"). */
let trail = { filters: '', tokens: [] };

function hashFor(values, token) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (values[k]) q.set(k, values[k]);
  if (token) q.set('token', token);
  const s = q.toString();
  return `#/triggers${s ? `?${s}` : ''}`;
}

export async function renderTriggers(ctx) {
  const { main, params } = ctx;
  const values = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? '']));
  const token = params.get('token') ?? '';
  const filterKey = JSON.stringify(values);
  if (trail.filters !== filterKey) trail = { filters: filterKey, tokens: [] };

  const input = (name, label, attrs = {}) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `f-${name}` }, label),
      h('input', { id: `f-${name}`, name, value: values[name], ...attrs }),
    );
  const select = (name, label, options) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `f-${name}` }, label),
      h(
        'select',
        { id: `f-${name}`, name },
        options.map(([v, text]) => h('option', { value: v, selected: v === values[name] }, text)),
      ),
    );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter triggers' },
    input('nameContains', 'Search name', {
      type: 'search',
      placeholder: 'part of a name…',
      autocomplete: 'off',
    }),
    input('project', 'Project', { autocomplete: 'off' }),
    input('domain', 'Domain', { autocomplete: 'off' }),
    input('taskName', 'Task', { autocomplete: 'off' }),
    select('active', 'State', [
      ['', 'Any'],
      ['true', 'Active'],
      ['false', 'Inactive'],
    ]),
    select('sort', 'Sort', SORTS),
    select('limit', 'Per page', [
      ['', '50'],
      ['10', '10'],
      ['20', '20'],
      ['100', '100'],
    ]),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { class: 'button ghost', href: '#/triggers' }, 'Reset'),
    ),
  );
  const go = () => {
    const data = Object.fromEntries(new FormData(form));
    location.hash = hashFor(data, '');
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go();
  });
  form.addEventListener('change', (e) => {
    if (e.target.tagName === 'SELECT') go();
  });
  let debounce;
  form.elements.nameContains.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(go, 350);
  });

  const results = h('div', { id: 'trigger-results' }, loading('Loading triggers…'));
  fill(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Triggers'),
      h('p', { class: 'muted' }, `Times in each trigger's zone and in yours (${viewerZone}).`),
    ),
    form,
    results,
  );
  // The list re-renders on every search: keep typing where the viewer was.
  if (values.nameContains && document.activeElement === document.body) {
    const search = form.elements.nameContains;
    search.focus();
    search.setSelectionRange(search.value.length, search.value.length);
  }

  let page;
  try {
    page = await api('GET', '/triggers', { query: { ...values, token } });
  } catch (err) {
    if (ctx.isCurrent()) fill(results, errorBox(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  // After a switch flips, the page reloads: next fire times and the filter may have changed.
  const rows = page.triggers.map((t) => row(t, () => ctx.isCurrent() && renderTriggers(ctx)));
  const prev = h('button', { type: 'button', disabled: !token }, '← Previous');
  prev.addEventListener('click', () => {
    const before = trail.tokens.pop() ?? '';
    location.hash = hashFor(values, before);
  });
  const next = h('button', { type: 'button', disabled: !page.token }, 'Next →');
  next.addEventListener('click', () => {
    trail.tokens.push(token);
    location.hash = hashFor(values, page.token);
  });
  fill(
    results,
    page.triggers.length === 0
      ? h('p', { class: 'empty' }, 'No triggers match these filters.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'triggers' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Trigger', 'Schedule', 'Zone', 'Next fire', 'Last run', 'Active'].map((x) =>
                  h('th', { scope: 'col' }, x),
                ),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
    h(
      'div',
      { class: 'pager' },
      prev,
      h('span', { class: 'muted' }, `${page.triggers.length} shown`),
      next,
    ),
  );
}

function row(t, onChange) {
  const name = t.id.name;
  const zone = zoneOf(t.automationSpec);
  const href = `#/trigger/${[name.project, name.domain, name.taskName, name.name].map(encodeURIComponent).join('/')}`;
  const next = t.status.nextFireAt;
  const lastRun = h('span', { class: 'muted' }, '…');
  loadLastRun(name, lastRun);
  return h(
    'tr',
    { dataset: { trigger: name.name } },
    td(
      'Trigger',
      h('a', { href, class: 'trigger-link' }, name.name),
      h('div', { class: 'muted small' }, `${name.project} / ${name.domain} / ${name.taskName}`),
    ),
    td(
      'Schedule',
      describe(t.automationSpec),
      h('div', {}, h('code', { class: 'small' }, rawSchedule(t.automationSpec))),
    ),
    td('Zone', zone),
    td(
      'Next fire',
      next
        ? [
            h('div', {}, timeEl(h, next, zone)),
            zone !== viewerZone
              ? h('div', { class: 'muted small' }, 'yours: ', timeEl(h, next, viewerZone))
              : null,
            h('div', { class: 'muted small' }, relative(next)),
          ]
        : h('span', { class: 'muted' }, t.spec.active ? '—' : 'inactive'),
    ),
    td('Last run', lastRun),
    td('Active', activeSwitch(t, onChange)),
  );
}

async function loadLastRun(name, el) {
  try {
    const page = await api('GET', `${triggerPath(name)}/runs`, { query: { limit: 1 } });
    const run = page.runs[0];
    fill(
      el,
      run
        ? [
            badge(run.state ?? 'CREATED'),
            ' ',
            h('span', { class: 'muted small' }, relative(run.scheduledAt)),
          ]
        : h('span', { class: 'muted' }, 'never'),
    );
  } catch (err) {
    fill(el, h('span', { class: 'muted', title: err.message }, '?'));
  }
}

/** A role=switch button; read-only keys see it disabled. */
export function activeSwitch(t, onChange) {
  const name = t.id.name;
  let active = t.spec.active;
  const label = `${active ? 'Deactivate' : 'Activate'} ${name.name}`;
  const button = h(
    'button',
    {
      type: 'button',
      role: 'switch',
      class: 'switch',
      'aria-checked': String(active),
      'aria-label': label,
      disabled: !mayChange(),
      title: mayChange() ? label : 'your key may not change triggers',
    },
    h('span', { class: 'knob' }),
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await api('POST', active ? '/triggers/deactivate' : '/triggers/activate', {
        body: { names: [name] },
      });
      if (res.notFound.length) throw new Error(`${name.name} no longer exists`);
      active = !active;
      button.setAttribute('aria-checked', String(active));
      button.setAttribute('aria-label', `${active ? 'Deactivate' : 'Activate'} ${name.name}`);
      toast(`${name.name} is now ${active ? 'active' : 'inactive'}`);
      onChange?.(active);
    } catch (err) {
      toast(`${err.code ?? 'Error'}: ${err.message}`, 'error');
    } finally {
      button.disabled = !mayChange();
    }
  });
  return button;
}
