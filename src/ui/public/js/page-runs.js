// All runs (filtered by state and queue) and, per queue, the pending depth and oldest pending age.
import { api, optional } from './api.js';
import { errorBox, fill, h, loading, section, table } from './dom.js';
import { runsTable, STATES } from './runs-view.js';
import { duration, timeEl, viewerZone } from './time.js';

export async function renderRuns(ctx) {
  const { main, params } = ctx;
  const state = params.get('state') ?? '';
  const queue = params.get('queue') ?? '';
  const token = params.get('token') ?? '';
  const queuesBox = h('div', {}, loading('Loading queues…'));
  const runsBox = h('div', { id: 'all-runs' }, loading('Loading runs…'));

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter runs' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'r-state' }, 'State'),
      h(
        'select',
        { id: 'r-state', name: 'state' },
        h('option', { value: '' }, 'Any'),
        STATES.map((s) => h('option', { value: s, selected: s === state }, s.toLowerCase())),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'r-queue' }, 'Queue'),
      h('input', {
        id: 'r-queue',
        name: 'queue',
        value: queue,
        autocomplete: 'off',
        placeholder: 'default',
      }),
    ),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { class: 'button ghost', href: '#/runs' }, 'Reset'),
    ),
  );
  const go = (extra = {}) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...Object.fromEntries(new FormData(form)), ...extra }))
      if (v) q.set(k, v);
    location.hash = `#/runs${q.size ? `?${q}` : ''}`;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go();
  });
  form.elements.state.addEventListener('change', () => go());

  fill(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Runs & queues'),
      h('p', { class: 'muted' }, `Times in your zone (${viewerZone}).`),
    ),
    section('Queues', 'queues', queuesBox),
    section('Runs', 'runs', form, runsBox),
  );

  const refreshQueues = async () => {
    try {
      const res = await optional(api('GET', '/queues'));
      if (!ctx.isCurrent()) return;
      if (res === null) {
        document.getElementById('queues')?.setAttribute('hidden', '');
        return;
      }
      const now = Date.now();
      fill(
        queuesBox,
        res.queues.length === 0
          ? h('p', { class: 'empty' }, 'No queue has runs waiting.')
          : table(
              ['Queue', 'Pending', 'Running', 'Oldest pending', 'Waiting for'],
              res.queues.map((q) => [
                h(
                  'a',
                  { href: `#/runs?queue=${encodeURIComponent(q.queue)}&state=PENDING` },
                  q.queue,
                ),
                h('strong', {}, q.pending),
                q.running ?? '—',
                timeEl(h, q.oldestPendingNotBefore, viewerZone, { seconds: true }),
                q.oldestPendingNotBefore
                  ? duration((now - new Date(q.oldestPendingNotBefore).getTime()) / 1000)
                  : '—',
              ]),
              { class: 'queues' },
            ),
      );
    } catch (err) {
      fill(queuesBox, errorBox(err));
    }
  };

  const loadRuns = async () => {
    try {
      const page = await optional(
        api('GET', '/runs', { query: { state, queue, token, limit: 50 } }),
      );
      if (!ctx.isCurrent()) return;
      if (page === null) {
        fill(
          runsBox,
          h(
            'p',
            { class: 'notice' },
            'This server does not list runs across triggers yet; each trigger page shows its runs.',
          ),
        );
        return;
      }
      // the filters shown: both links page them (a token holds only for those), not edits not
      // yet applied
      const shown = new URLSearchParams(Object.entries({ state, queue }).filter(([, v]) => v));
      const next = h('button', { type: 'button', disabled: !page.token }, 'Next →');
      next.addEventListener('click', () => {
        location.hash = `#/runs?${new URLSearchParams([...shown, ['token', page.token]])}`;
      });
      const first = h('a', { class: 'button', href: `#/runs?${shown}` }, '⇤ Newest');
      fill(
        runsBox,
        runsTable(page.runs, { zone: viewerZone, showTrigger: true, onChange: loadRuns }),
        h(
          'div',
          { class: 'pager' },
          token ? first : h('span'),
          h('span', { class: 'muted' }, `${page.runs.length} shown`),
          next,
        ),
      );
    } catch (err) {
      fill(runsBox, errorBox(err));
    }
  };
  await Promise.all([refreshQueues(), loadRuns()]);
}
