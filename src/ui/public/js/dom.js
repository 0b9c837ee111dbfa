// A tiny DOM builder: text always goes in as text (never parsed as HTML).

/** h('a', { href, class: 'x', onclick }, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function')
      el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A badge for a run state, trigger state or revision action. */
export function badge(text, kind = String(text).toLowerCase()) {
  return h('span', { class: `badge b-${kind}` }, text);
}

/** A section with a heading; `id` names it for tests and links. */
export function section(title, id, ...children) {
  return h(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, title),
    ...children,
  );
}

/** A table; rows are arrays of cells (a cell is text, a Node, or { value, label, class }). */
export function table(headers, rows, attrs = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          row instanceof Node
            ? row
            : h(
                'tr',
                {},
                row.map((cell, i) => td(headers[i], cell)),
              ),
        ),
      ),
    ),
  );
}

/** A table cell labelled for the narrow layout (its label shows beside the value). */
export function td(label, ...children) {
  return h('td', { 'data-label': label }, h('div', { class: 'cell' }, ...children));
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), text);
}

export function errorBox(err) {
  const details = Array.isArray(err?.details) ? err.details : [];
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('strong', {}, err?.code ? `${err.code}: ` : 'Error: '),
    err?.message ?? String(err),
    details.length
      ? h(
          'ul',
          {},
          details.map((d) => h('li', {}, h('code', {}, d.field), ' ', d.message)),
        )
      : null,
  );
}

export function toast(text, kind = 'ok') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast t-${kind}`, title: 'click to dismiss' }, text);
  el.addEventListener('click', () => el.remove());
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}
