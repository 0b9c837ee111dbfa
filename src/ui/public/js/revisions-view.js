// A trigger's revision history (who, when, action, note) and a side-by-side diff of any two.
import { api, triggerPath } from './api.js';
import { badge, errorBox, fill, h, loading, td } from './dom.js';
import { diffView } from './diff.js';
import { relative, timeEl, viewerZone } from './time.js';

/** What a revision is, for the diff: its spec and schedule, who deployed it, what it did. */
function comparable(rev) {
  return {
    action: rev.action,
    note: rev.note ?? rev.status?.note ?? undefined,
    metadata: rev.metadata,
    spec: rev.spec,
    automationSpec: rev.automationSpec,
  };
}

export async function revisionsSection(name, ctx) {
  const list = h('div', {}, loading('Loading history…'));
  const diff = h('div', { id: 'revision-diff', 'aria-live': 'polite' });
  const box = h('div', {}, list, diff);
  const base = `${triggerPath(name)}/revisions`;
  const items = [];
  let token = null;

  const cache = new Map();
  const revision = (n) => {
    if (!cache.has(n)) cache.set(n, api('GET', `${base}/${n}`));
    return cache.get(n);
  };

  async function compare(a, b) {
    fill(diff, loading('Comparing…'));
    try {
      const [ra, rb] = await Promise.all([revision(a), revision(b)]);
      fill(diff, diffView(comparable(ra), comparable(rb), `Revision ${a}`, `Revision ${b}`));
    } catch (err) {
      fill(diff, errorBox(err));
    }
  }

  function render() {
    const picked = () => {
      const a = list.querySelector('input[name=rev-a]:checked')?.value;
      const b = list.querySelector('input[name=rev-b]:checked')?.value;
      if (a && b) void compare(Number(a), Number(b));
    };
    const radio = (group, n, checked, label) =>
      h('input', {
        type: 'radio',
        name: group,
        value: n,
        checked,
        'aria-label': label,
        onchange: picked,
      });
    const rows = items.map((r, i) =>
      h(
        'tr',
        { dataset: { revision: r.revision } },
        td(
          'Left',
          radio(
            'rev-a',
            r.revision,
            i === 1 || (items.length === 1 && i === 0),
            `Compare revision ${r.revision} on the left`,
          ),
        ),
        td(
          'Right',
          radio('rev-b', r.revision, i === 0, `Compare revision ${r.revision} on the right`),
        ),
        td('Revision', h('strong', {}, r.revision)),
        td('Action', badge(r.action)),
        td('Who', r.actor ?? '—'),
        td(
          'When',
          timeEl(h, r.createdAt, viewerZone, { seconds: true }),
          h('div', { class: 'muted small' }, relative(r.createdAt)),
        ),
        td('Note', r.note ?? h('span', { class: 'muted' }, '—')),
      ),
    );
    const more = token
      ? h('button', { type: 'button', onclick: loadMore }, 'Older revisions')
      : null;
    fill(
      list,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'revisions' },
          h(
            'caption',
            { class: 'muted' },
            'Pick a revision on the left and one on the right to compare them.',
          ),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Left', 'Right', 'Revision', 'Action', 'Who', 'When', 'Note'].map((x) =>
                h('th', { scope: 'col' }, x),
              ),
            ),
          ),
          h('tbody', {}, rows),
        ),
      ),
      more,
    );
  }

  async function loadMore() {
    try {
      const page = await api('GET', base, { query: { limit: 20, token: token ?? undefined } });
      items.push(...page.revisions);
      token = page.token;
      if (!ctx.isCurrent()) return;
      render();
    } catch (err) {
      fill(list, errorBox(err));
    }
  }

  await loadMore();
  if (items.length >= 2) void compare(items[1].revision, items[0].revision);
  else if (items.length === 1) fill(diff, h('p', { class: 'muted' }, 'Only one revision so far.'));
  return box;
}
