// What a writer or admin may do to a trigger: (de)activate with a note, fire now, backfill.
import { api, ApiError, randomKey, triggerPath } from './api.js';
import { badge, errorBox, fill, h, table, toast } from './dom.js';
import { fromLocalInput, timeEl, toLocalInput, viewerZone } from './time.js';

/** True when a 400 says the server does not know the `note` field (it came with a later version). */
function noteRefused(err) {
  return (
    err instanceof ApiError &&
    err.status === 400 &&
    Array.isArray(err.details) &&
    err.details.some((d) => d.field === 'note')
  );
}

export function actionsSection(t, { reload, reloadRuns }) {
  const name = t.id.name;
  const active = t.spec.active;
  const out = h('div', { class: 'action-result', 'aria-live': 'polite' });

  const note = h('input', {
    id: 'note',
    name: 'note',
    maxlength: 1000,
    placeholder: 'why (kept with the revision)',
    autocomplete: 'off',
  });
  const toggle = h(
    'button',
    { type: 'submit', class: active ? 'danger' : 'primary', id: 'toggle-active' },
    active ? 'Deactivate' : 'Activate',
  );
  const toggleForm = h(
    'form',
    { class: 'inline-form', 'aria-label': active ? 'Deactivate' : 'Activate' },
    h('label', { for: 'note' }, 'Note'),
    note,
    toggle,
  );
  toggleForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    toggle.disabled = true;
    const path = active ? '/triggers/deactivate' : '/triggers/activate';
    const text = note.value.trim();
    try {
      try {
        await api('POST', path, { body: text ? { names: [name], note: text } : { names: [name] } });
      } catch (err) {
        if (!text || !noteRefused(err)) throw err;
        await api('POST', path, { body: { names: [name] } });
        toast('This server does not keep notes yet: changed without the note.', 'warn');
      }
      toast(`${name.name} ${active ? 'deactivated' : 'activated'}`);
      await reload();
    } catch (err) {
      fill(out, errorBox(err));
      toggle.disabled = false;
    }
  });

  const fire = h('button', { type: 'button', id: 'fire-now', class: 'primary' }, 'Fire now');
  fire.addEventListener('click', async () => {
    fire.disabled = true;
    try {
      const run = await api('POST', `${triggerPath(name)}/fire`, {
        headers: { 'Idempotency-Key': randomKey() },
      });
      fill(
        out,
        h(
          'p',
          { class: 'ok' },
          'Created run ',
          h('code', {}, run.name),
          run.state ? [' · ', badge(run.state)] : null,
        ),
      );
      toast(`Run ${run.name} created`);
      await reloadRuns();
    } catch (err) {
      fill(out, errorBox(err));
    } finally {
      fire.disabled = false;
    }
  });

  const backfill =
    t.automationSpec.type === 'SCHEDULE' ? backfillForm(name, out, reloadRuns) : null;
  return h(
    'section',
    { class: 'card actions', id: 'actions', 'aria-labelledby': 'actions-h' },
    h('h2', { id: 'actions-h' }, 'Actions'),
    h('div', { class: 'action-row' }, toggleForm, fire),
    backfill,
    out,
  );
}

function backfillForm(name, out, reloadRuns) {
  const now = new Date();
  const from = h('input', {
    type: 'datetime-local',
    id: 'bf-from',
    required: true,
    value: toLocalInput(new Date(now.getTime() - 6 * 3600_000)),
  });
  const to = h('input', {
    type: 'datetime-local',
    id: 'bf-to',
    required: true,
    value: toLocalInput(now),
  });
  const preview = h('button', { type: 'submit', id: 'bf-preview' }, 'Preview (dry run)');
  const create = h(
    'button',
    { type: 'button', id: 'bf-create', class: 'primary', disabled: true },
    'Create runs',
  );
  const result = h('div', { id: 'bf-result' });
  let planned = null;
  const body = () => ({ from: fromLocalInput(from.value), to: fromLocalInput(to.value) });
  const invalidate = () => {
    planned = null;
    create.disabled = true;
    create.textContent = 'Create runs';
  };
  from.addEventListener('input', invalidate);
  to.addEventListener('input', invalidate);

  const form = h(
    'form',
    { class: 'backfill', 'aria-label': 'Backfill' },
    h('h3', {}, 'Backfill'),
    h(
      'p',
      { class: 'muted small' },
      `Create the runs of past slots in [from, to), times in your zone (${viewerZone}). Slots that already have a run are skipped.`,
    ),
    h(
      'div',
      { class: 'inline-form' },
      h('label', { for: 'bf-from' }, 'From'),
      from,
      h('label', { for: 'bf-to' }, 'To'),
      to,
      preview,
      create,
    ),
    result,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    invalidate();
    const b = body();
    try {
      const res = await api('POST', `${triggerPath(name)}/backfill`, {
        body: { ...b, dryRun: true },
      });
      planned = b;
      fill(result, summary(res, true));
      create.disabled = res.runs.length === 0;
      create.textContent = `Create ${res.runs.length} run${res.runs.length === 1 ? '' : 's'}`;
    } catch (err) {
      fill(result, errorBox(err));
    }
  });
  create.addEventListener('click', async () => {
    if (!planned) return;
    create.disabled = true;
    try {
      const res = await api('POST', `${triggerPath(name)}/backfill`, { body: planned });
      fill(result, summary(res, false));
      toast(`Backfill created ${res.runs.length} runs`);
      invalidate();
      await reloadRuns();
    } catch (err) {
      fill(out, errorBox(err));
      create.disabled = false;
    }
  });
  return form;
}

function summary(res, dry) {
  const shown = res.runs.slice(0, 20);
  return h(
    'div',
    { class: 'bf-summary' },
    h(
      'p',
      {},
      dry
        ? `Dry run: ${res.runs.length} run(s) would be created, ${res.skipped.length} slot(s) already have one.`
        : `Created ${res.runs.length} run(s); skipped ${res.skipped.length}.`,
    ),
    shown.length
      ? table(
          ['Run', 'Slot'],
          shown.map((r) => [h('code', {}, r.name), timeEl(h, r.scheduledAt, viewerZone)]),
        )
      : null,
    res.runs.length > shown.length
      ? h('p', { class: 'muted small' }, `… and ${res.runs.length - shown.length} more`)
      : null,
  );
}
