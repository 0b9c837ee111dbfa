// A side-by-side diff of two JSON documents, line by line (longest common subsequence).
import { h } from './dom.js';

/** JSON with sorted object keys, so that key order never shows up as a change. */
export function stableJson(value) {
  const sort = (v) =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value), null, 2);
}

/** Rows `{ left, right, kind }` with kind same | changed | removed | added; line numbers 1-based. */
export function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: the common subsequence length of a[i..] and b[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const rows = [];
  let dels = [];
  let adds = [];
  const flush = () => {
    const k = Math.max(dels.length, adds.length);
    for (let x = 0; x < k; x++) {
      const left = dels[x] ?? null;
      const right = adds[x] ?? null;
      rows.push({ left, right, kind: left && right ? 'changed' : left ? 'removed' : 'added' });
    }
    dels = [];
    adds = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      rows.push({
        left: { no: i + 1, text: a[i] },
        right: { no: j + 1, text: b[j] },
        kind: 'same',
      });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      adds.push({ no: j + 1, text: b[j] });
      j++;
    } else {
      dels.push({ no: i + 1, text: a[i] });
      i++;
    }
  }
  flush();
  return rows;
}

/** Runs of more than 2×`context` unchanged lines fold into one "n unchanged lines" row. */
export function fold(rows, context = 3) {
  const out = [];
  let k = 0;
  while (k < rows.length) {
    if (rows[k].kind !== 'same') {
      out.push(rows[k++]);
      continue;
    }
    let end = k;
    while (end < rows.length && rows[end].kind === 'same') end++;
    const head = k === 0 ? 0 : context;
    const tail = end === rows.length ? 0 : context;
    if (end - k > head + tail + 1) {
      out.push(...rows.slice(k, k + head));
      out.push({ kind: 'fold', count: end - k - head - tail });
      out.push(...rows.slice(end - tail, end));
    } else out.push(...rows.slice(k, end));
    k = end;
  }
  return out;
}

/** The diff table: revision `ra` on the left, `rb` on the right. */
export function diffView(before, after, leftTitle, rightTitle) {
  const rows = fold(diffLines(stableJson(before).split('\n'), stableJson(after).split('\n')));
  const changed = rows.filter((r) => r.kind !== 'same' && r.kind !== 'fold').length;
  const cell = (side, kind) =>
    side
      ? [h('td', { class: 'ln' }, side.no), h('td', { class: `code ${kind}` }, side.text)]
      : [h('td', { class: 'ln' }), h('td', { class: 'code empty' })];
  return h(
    'div',
    { class: 'diff', 'data-changes': changed },
    h(
      'p',
      { class: 'muted' },
      changed === 0 ? 'No differences.' : `${changed} changed line${changed === 1 ? '' : 's'}.`,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'diff-table' },
        h(
          'colgroup',
          {},
          h('col', { class: 'c-ln' }),
          h('col'),
          h('col', { class: 'c-ln' }),
          h('col'),
        ),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { colspan: 2, scope: 'col' }, leftTitle),
            h('th', { colspan: 2, scope: 'col' }, rightTitle),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            r.kind === 'fold'
              ? h('tr', { class: 'fold' }, h('td', { colspan: 4 }, `⋯ ${r.count} unchanged lines`))
              : h(
                  'tr',
                  { class: r.kind },
                  cell(r.left, r.kind === 'same' ? 'same' : 'del'),
                  cell(r.right, r.kind === 'same' ? 'same' : 'add'),
                ),
          ),
        ),
      ),
    ),
  );
}
