// Runs as a timeline and as a table (with attempts and cancel), shared by the trigger and runs pages.
import { api, ApiError } from './api.js';
import { mayChange } from './auth.js';
import { badge, errorBox, fill, h, table, toast, td } from './dom.js';
import { fmt, timeEl, viewerZone } from './time.js';

export const STATES = [
  'PENDING',
  'BUFFERED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'SKIPPED',
];
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED']);

/** A run's state; runs from a server without run states are simply "created". */
export const stateOf = (run) => run.state ?? 'CREATED';

/** Dots on a time axis, one per run, coloured by state; skipped slots are hollow. */
export function timeline(runs, zone = viewerZone) {
  if (runs.length === 0) return h('p', { class: 'empty' }, 'No runs yet.');
  const times = runs.map((r) => new Date(r.scheduledAt).getTime());
  const min = Math.min(...times);
  const max = Math.max(...times);
  const span = Math.max(max - min, 1);
  const present = [...new Set(runs.map(stateOf))];
  return h(
    'figure',
    {
      class: 'timeline',
      'aria-label': `${runs.length} runs from ${fmt(new Date(min).toISOString(), zone)} to ${fmt(new Date(max).toISOString(), zone)}`,
    },
    h(
      'div',
      { class: 'axis' },
      runs.map((r, i) => {
        const dot = h('span', {
          class: `dot s-${stateOf(r).toLowerCase()}`,
          title: `${r.name} · ${stateOf(r)} · ${fmt(r.scheduledAt, zone, { seconds: true })}${r.skipReason ? ` · ${r.skipReason}` : ''}`,
        });
        // CSSOM, not an inline style attribute: the page's CSP forbids inline styles.
        dot.style.left = `${runs.length === 1 ? 50 : ((times[i] - min) / span) * 100}%`;
        return dot;
      }),
    ),
    h(
      'figcaption',
      { class: 'axis-labels' },
      h('span', {}, fmt(new Date(min).toISOString(), zone)),
      h(
        'span',
        { class: 'legend' },
        present.map((s) =>
          h('span', {}, h('span', { class: `dot s-${s.toLowerCase()}` }), s.toLowerCase()),
        ),
      ),
      h('span', {}, fmt(new Date(max).toISOString(), zone)),
    ),
  );
}

/**
 * The runs table. `zone` is the trigger's zone (scheduled times show in it and in the viewer's);
 * `showTrigger` adds the trigger column; `onChange` runs after a cancel.
 */
export function runsTable(runs, { zone = 'UTC', showTrigger = false, onChange } = {}) {
  if (runs.length === 0) return h('p', { class: 'empty' }, 'No runs match.');
  const headers = [
    'Run',
    ...(showTrigger ? ['Trigger'] : []),
    'Source',
    'Scheduled',
    'State',
    'Attempts',
    'Queue',
    'Started / finished',
    'Detail',
    '',
  ];
  const body = [];
  for (const run of runs) {
    const detailRow = h(
      'tr',
      { class: 'attempts-row', hidden: true },
      h('td', { colspan: headers.length }),
    );
    const actions = [];
    if (run.id) {
      const more = h(
        'button',
        { type: 'button', class: 'small', 'aria-expanded': 'false' },
        'Attempts',
      );
      more.addEventListener('click', () => toggleAttempts(run, more, detailRow));
      actions.push(more);
    }
    if (run.id && mayChange() && run.state && !FINAL.has(run.state)) {
      const cancel = h(
        'button',
        { type: 'button', class: 'small danger', 'aria-label': `Cancel run ${run.name}` },
        'Cancel',
      );
      cancel.addEventListener('click', async () => {
        cancel.disabled = true;
        try {
          const done = await api('POST', `/runs/${encodeURIComponent(run.id)}/cancel`, {
            body: {},
          });
          toast(
            `Run ${run.name}: ${done.state}${done.cancelRequested ? ' (cancel requested)' : ''}`,
          );
          onChange?.();
        } catch (err) {
          toast(`${err.code}: ${err.message}`, 'error');
          cancel.disabled = false;
        }
      });
      actions.push(cancel);
    }
    const t = run.trigger?.name;
    const cells = [
      h('code', {}, run.name),
      ...(showTrigger
        ? [
            t
              ? h(
                  'a',
                  {
                    href: `#/trigger/${[t.project, t.domain, t.taskName, t.name].map(encodeURIComponent).join('/')}`,
                  },
                  t.name,
                )
              : '—',
          ]
        : []),
      run.source,
      [
        h('div', {}, timeEl(h, run.scheduledAt, zone, { seconds: true })),
        zone !== viewerZone
          ? h(
              'div',
              { class: 'muted small' },
              'yours: ',
              timeEl(h, run.scheduledAt, viewerZone, { seconds: true }),
            )
          : null,
      ],
      badge(stateOf(run)),
      run.attempt ?? '—',
      run.queue ?? '—',
      run.startedAt || run.finishedAt
        ? [
            h('div', {}, timeEl(h, run.startedAt, viewerZone, { seconds: true })),
            h(
              'div',
              { class: 'muted small' },
              timeEl(h, run.finishedAt, viewerZone, { seconds: true }),
            ),
          ]
        : '—',
      run.error?.message
        ? h(
            'span',
            { class: 'err-text' },
            run.error.type ? `${run.error.type}: ` : '',
            run.error.message,
          )
        : (run.skipReason ??
          (run.notBefore && run.notBefore !== run.scheduledAt
            ? ['not before ', timeEl(h, run.notBefore, viewerZone)]
            : '')),
      h('div', { class: 'row-actions' }, actions),
    ];
    body.push(
      h(
        'tr',
        { dataset: { run: run.name, state: stateOf(run) } },
        cells.map((c, i) => td(headers[i], c)),
      ),
      detailRow,
    );
  }
  return table(headers, body, { class: 'runs' });
}

async function toggleAttempts(run, button, row) {
  const open = button.getAttribute('aria-expanded') === 'true';
  button.setAttribute('aria-expanded', String(!open));
  row.hidden = open;
  if (open) return;
  const cell = row.firstChild;
  fill(cell, h('span', { class: 'muted' }, 'Loading attempts…'));
  try {
    const full = await api('GET', `/runs/${encodeURIComponent(run.id)}`);
    const attempts = full.attempts ?? [];
    fill(
      cell,
      attempts.length === 0
        ? h('p', { class: 'muted' }, 'No attempt has started.')
        : table(
            ['#', 'Worker', 'Started', 'Ended', 'Outcome', 'Error'],
            attempts.map((a) => [
              a.number,
              a.workerId ?? '—',
              timeEl(h, a.startedAt, viewerZone, { seconds: true }),
              timeEl(h, a.endedAt, viewerZone, { seconds: true }),
              a.outcome ? badge(a.outcome) : '—',
              a.error?.message ?? '',
            ]),
            { class: 'attempts' },
          ),
    );
  } catch (err) {
    fill(
      cell,
      err instanceof ApiError && err.status === 404
        ? h('p', { class: 'muted' }, 'This server does not report attempts.')
        : errorBox(err),
    );
  }
}
