// Forms for the procedure's steps, built from each step's payload schema (the desk's own zod
// schemas as JSON Schema, in the page's data): the fields and their limits cannot drift from what
// the API accepts. Yuan are shown for *Cents fields; materials are one per line.
const { el, w } = globalThis.fm;

let seq = 0;
const label = (name) => w(`field.${name}`);

function input(name, prop, required, id) {
  const common = { id, name, required };
  if (prop.enum) {
    return el(
      'select',
      common,
      required ? null : el('option', { value: '' }, '—'),
      ...prop.enum.map((v) =>
        el('option', { value: v }, w(`${name}.${v}`) === `${name}.${v}` ? v : w(`${name}.${v}`)),
      ),
    );
  }
  if (prop.type === 'boolean' && prop.const === true)
    return el('input', { ...common, type: 'checkbox', required: true, value: 'true' });
  if (prop.type === 'boolean') {
    return el(
      'select',
      common,
      el('option', { value: '' }, '—'),
      el('option', { value: 'true' }, w('rec.yes')),
      el('option', { value: 'false' }, w('rec.no')),
    );
  }
  if (prop.type === 'integer' || prop.type === 'number') {
    if (name.endsWith('Cents'))
      return el('input', {
        ...common,
        type: 'number',
        min: 0,
        step: '0.01',
        inputmode: 'decimal',
        value: prop.default === 0 ? '0' : undefined,
      });
    return el('input', {
      ...common,
      type: 'number',
      min: prop.minimum,
      max: prop.maximum,
      step: prop.type === 'integer' ? 1 : 'any',
      inputmode: 'numeric',
    });
  }
  if (prop.type === 'array')
    return el('textarea', {
      ...common,
      rows: 3,
      placeholder: w('rec.materialsHelp'),
      'aria-describedby': `${id}-help`,
    });
  if ((prop.maxLength ?? 0) > 200)
    return el('textarea', { ...common, rows: 3, maxlength: prop.maxLength, minlength: prop.minLength });
  return el('input', { ...common, maxlength: prop.maxLength, minlength: prop.minLength });
}

function value(name, prop, field) {
  if (field.type === 'checkbox') return field.checked ? true : undefined;
  const raw = field.value.trim();
  if (raw === '') return undefined;
  if (prop.type === 'boolean') return raw === 'true';
  if (prop.type === 'integer' || prop.type === 'number')
    return name.endsWith('Cents') ? Math.round(Number(raw) * 100) : Number(raw);
  if (prop.type === 'array') {
    return raw
      .split('\n')
      .map((line) => line.split(/[,，]/).map((s) => s.trim()))
      .filter((p) => p[0])
      .map(([n, q, u]) => ({ name: n, quantity: Number(q) || 1, ...(u ? { unit: u } : {}) }));
  }
  return raw;
}

/**
 * A form for one step. `fields` overrides how a field is drawn (e.g. the assignee as a select of
 * staff); `onSubmit(body)` gets the payload to POST.
 */
function stepForm(action, schema, { fields = {}, onSubmit, onCancel, big = false }) {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const rows = [];
  const controls = {};
  for (const [name, prop] of Object.entries(props)) {
    const id = `f${++seq}-${name}`;
    const control = fields[name]?.(id) ?? input(name, prop, required.has(name), id);
    controls[name] = control;
    if (control.type === 'checkbox')
      rows.push(el('label', { for: id, class: 'row' }, control, ' ', label(name)));
    else {
      rows.push(el('label', { for: id }, label(name)), control);
      if (prop.type === 'array')
        rows.push(el('small', { id: `${id}-help`, class: 'muted' }, w('rec.materialsHelp')));
    }
  }
  const form = el(
    'form',
    { class: 'stack card', 'data-action': action },
    el('h3', {}, w(`act.${action}`)),
    ...rows,
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'submit', class: `primary${big ? ' big' : ''}` }, w('rec.submit')),
      el('button', { type: 'button', class: big ? 'big' : '', onclick: onCancel }, w('rec.cancelAction')),
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const [name, prop] of Object.entries(props)) {
      const v = value(name, prop, controls[name]);
      if (v !== undefined) body[name] = v;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await onSubmit(body);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

globalThis.fm.stepForm = stepForm;
