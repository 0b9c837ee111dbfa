// One trigger: spec, schedule, next fire times (DST marked), history with diffs, runs, actions.
import { api, triggerPath } from './api.js';
import { mayChange } from './auth.js';
import { badge, errorBox, fill, h, loading, section, td } from './dom.js';
import { actionsSection } from './trigger-actions.js';
import { revisionsSection } from './revisions-view.js';
import { runsTable, timeline } from './runs-view.js';
import { deliveryInWords, describe, policiesInWords, rawSchedule, zoneOf } from './schedule.js';
import { offsetOf, relative, timeEl, viewerZone } from './time.js';

export async function renderTrigger(ctx, name) {
  const { main } = ctx;
  fill(main, loading(`Loading ${name.name}…`));
  let t;
  try {
    t = await api('GET', triggerPath(name));
  } catch (err) {
    if (ctx.isCurrent())
      fill(main, h('p', {}, h('a', { href: '#/triggers' }, '← Triggers')), errorBox(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  const zone = zoneOf(t.automationSpec);
  const policies = policiesInWords(t.automationSpec);
  const reload = () => ctx.isCurrent() && renderTrigger(ctx, name);

  const runsBox = h('div', { id: 'runs-body' }, loading('Loading runs…'));
  const loadRuns = async () => {
    try {
      const page = await api('GET', `${triggerPath(name)}/runs`, { query: { limit: 100 } });
      if (!ctx.isCurrent()) return;
      const runs = page.runs;
      fill(
        runsBox,
        timeline([...runs].reverse(), zone),
        runs.length ? runsTable(runs, { zone, onChange: loadRuns }) : null,
        page.token ? h('p', { class: 'muted' }, `The ${runs.length} newest runs are shown.`) : null,
      );
    } catch (err) {
      fill(runsBox, errorBox(err));
    }
  };

  const status = t.status;
  fill(
    main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: '#/triggers' }, '← Triggers'),
      ` · ${name.project} / ${name.domain} / ${name.taskName}`,
    ),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, name.name),
      h(
        'div',
        { class: 'head-badges' },
        badge(t.spec.active ? 'ACTIVE' : 'INACTIVE'),
        h('span', { class: 'muted' }, `revision ${t.id.revision}`),
      ),
    ),
    t.spec.description ? h('p', { class: 'lead' }, t.spec.description) : null,
    mayChange()
      ? actionsSection(t, { reload, reloadRuns: loadRuns })
      : h(
          'p',
          { class: 'notice', id: 'read-only' },
          'Your key is read-only: it may look but not change this trigger.',
        ),
    h(
      'div',
      { class: 'grid' },
      section(
        'Schedule',
        'schedule',
        h(
          'dl',
          { class: 'facts' },
          fact('In words', describe(t.automationSpec)),
          fact(
            t.automationSpec.type === 'EVENT' ? 'Event filter' : 'Schedule',
            h('code', {}, rawSchedule(t.automationSpec) || '—'),
          ),
          t.automationSpec.type === 'EVENT' ? null : fact('Time zone', zone),
          t.automationSpec.type === 'EVENT'
            ? fact(
                'Fires',
                t.spec.active ? 'on each matching event (POST /events)' : 'not while inactive',
              )
            : fact(
                'Next fire',
                status.nextFireAt
                  ? [
                      timeEl(h, status.nextFireAt, zone),
                      h(
                        'div',
                        { class: 'muted small' },
                        'yours: ',
                        timeEl(h, status.nextFireAt, viewerZone),
                        ` · ${relative(status.nextFireAt)}`,
                      ),
                    ]
                  : t.spec.active
                    ? '—'
                    : 'not while inactive',
              ),
          policies ? fact('Policies', policies) : null,
          status.remainingRuns !== undefined && status.remainingRuns !== null
            ? fact('Runs left', String(status.remainingRuns))
            : null,
          t.automationSpec.schedule?.kickoffTimeInputArg
            ? fact('Kickoff input', h('code', {}, t.automationSpec.schedule.kickoffTimeInputArg))
            : null,
          t.automationSpec.event?.eventInputArg
            ? fact('Event input', h('code', {}, t.automationSpec.event.eventInputArg))
            : null,
        ),
      ),
      section(
        'Spec',
        'spec',
        h(
          'dl',
          { class: 'facts' },
          fact('Task version', h('code', {}, t.spec.taskVersion)),
          fact('Delivery', deliveryInWords(t.spec)),
          fact('Deployed by', t.metadata?.deployedBy ?? '—'),
          fact('Updated by', t.metadata?.updatedBy ?? '—'),
          fact('Deployed', timeEl(h, status.deployedAt)),
          fact('Updated', timeEl(h, status.updatedAt)),
          fact('Activated', timeEl(h, status.activatedAt)),
          fact('Last run created', timeEl(h, status.triggeredAt)),
          status.note ? fact('Note', status.note) : null,
        ),
        h(
          'details',
          {},
          h('summary', {}, 'Inputs, run spec and the whole document'),
          h(
            'pre',
            { class: 'json' },
            JSON.stringify({ spec: t.spec, automationSpec: t.automationSpec }, null, 2),
          ),
        ),
      ),
    ),
    t.automationSpec.type === 'SCHEDULE'
      ? section('Next 10 fire times', 'preview', await previewTable(name, zone))
      : null,
    section('Revision history', 'revisions', await revisionsSection(name, ctx)),
    section('Runs', 'runs', runsBox),
  );
  await loadRuns();
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

/** The zone's offset at an instant, "+01:00". */
function offsetNow(zone) {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    const m = /GMT([+-]\d{2}:\d{2})?/.exec(part?.value ?? '');
    return m ? (m[1] ?? '+00:00') : null;
  } catch {
    return null;
  }
}

async function previewTable(name, zone) {
  let res;
  try {
    res = await api('GET', `${triggerPath(name)}/preview`, { query: { count: 10 } });
  } catch (err) {
    return errorBox(err);
  }
  let previous = offsetNow(zone);
  const rows = res.fireTimes.map((f, i) => {
    const offset = offsetOf(f.local);
    const shift = previous && offset && offset !== previous ? `${previous} → ${offset}` : null;
    previous = offset ?? previous;
    return h(
      'tr',
      { class: shift ? 'dst' : '' },
      td('#', i + 1),
      td(`In ${zone}`, timeEl(h, f.at, zone)),
      td('In yours', timeEl(h, f.at, viewerZone)),
      td('UTC offset', h('code', {}, offset ?? '')),
      td(
        'Note',
        shift
          ? h(
              'span',
              { class: 'badge b-dst', title: 'the zone changes its clocks before this fire' },
              `DST change ${shift}`,
            )
          : f.notBefore && f.notBefore !== f.at
            ? ['jitter: not before ', timeEl(h, f.notBefore, zone, { seconds: true })]
            : '',
      ),
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'preview' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', `In ${zone}`, `In yours (${viewerZone})`, 'UTC offset', ''].map((x) =>
            h('th', { scope: 'col' }, x),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}
