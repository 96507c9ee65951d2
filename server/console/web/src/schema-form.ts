import { h } from './dom.js';
import { parseJsonObject } from './json-input.js';

/**
 * A form generated from a JSON Schema (the server's TypeBox schemas from /api/form-schemas):
 * booleans and enumerations become selects (with "not set", so a setting can be left to the
 * agent's default), integers number inputs with their bounds, strings text inputs, string
 * arrays one-per-line text areas. Keys the schema does not know stay editable as JSON, so
 * nothing an API client stored is lost by saving from the form.
 */
export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  anyOf?: { const?: unknown }[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export interface SchemaForm {
  readonly element: HTMLElement;
  /** The value, or null after showing what is wrong beside each field. */
  read(): Record<string, unknown> | null;
  /** Marks the field a server error names (JSON pointer under the form's object). */
  markServerError(pointer: string, message: string): boolean;
}

type Field = {
  key: string;
  label: string;
  read: () => { ok: true; value: unknown } | { ok: false; error: string };
  error: HTMLElement;
};

export function schemaForm(
  schema: JsonSchema,
  value: Record<string, unknown>,
  idPrefix: string,
): SchemaForm {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const fields: Field[] = [];
  const rows: HTMLElement[] = [];
  for (const [key, property] of Object.entries(properties)) {
    const id = `${idPrefix}-${key}`;
    const label = property.title ?? key;
    const error = h('span', {
      className: 'error field-error',
      attrs: { id: `${id}-error`, 'data-field-error': key },
    });
    const { control, read } = controlFor(property, value[key], id, required.has(key));
    control.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    control.dataset.field = key;
    rows.push(
      h(
        'div',
        { className: 'field' },
        h('label', { attrs: { for: id } }, label, required.has(key) ? ' *' : ''),
        control,
        h('span', { className: 'hint', attrs: { id: `${id}-hint` } }, hintFor(property)),
        error,
      ),
    );
    fields.push({ key, label, read, error });
  }
  const extraKeys = Object.fromEntries(Object.entries(value).filter(([k]) => !(k in properties)));
  const extra = h('textarea', {
    attrs: { id: `${idPrefix}-extra`, rows: 3, spellcheck: 'false', 'data-field': '(other)' },
  });
  extra.value = JSON.stringify(extraKeys, null, 2);
  const extraError = h('span', { className: 'error field-error' });
  const element = h(
    'div',
    { className: 'schema-form' },
    ...rows,
    h(
      'details',
      { attrs: Object.keys(extraKeys).length ? { open: true } : {} },
      h('summary', {}, 'Other keys (JSON, not checked by the form)'),
      extra,
      extraError,
    ),
  );

  return {
    element,
    read() {
      let ok = true;
      const out: Record<string, unknown> = {};
      const others = parseJsonObject(extra.value, 'Other keys');
      extraError.textContent = others.ok ? '' : others.error;
      if (others.ok) Object.assign(out, others.value);
      else ok = false;
      for (const field of fields) {
        const got = field.read();
        field.error.textContent = got.ok ? '' : `${field.label}: ${got.error}`;
        if (!got.ok) ok = false;
        else if (got.value !== undefined) out[field.key] = got.value;
        else delete out[field.key];
      }
      return ok ? out : null;
    },
    markServerError(pointer, message) {
      const key = pointer.split('/').filter(Boolean)[0];
      const field = fields.find((f) => f.key === key);
      if (!field) return false;
      field.error.textContent = `${field.label}: ${message}`;
      return true;
    },
  };
}

function hintFor(property: JsonSchema): string {
  const parts: string[] = [];
  if (property.description) parts.push(property.description);
  if (property.minimum !== undefined || property.maximum !== undefined)
    parts.push(`${property.minimum ?? '…'}–${property.maximum ?? '…'}`);
  // A select says its default in its "not set" choice already.
  const isSelect = property.type === 'boolean' || Boolean(property.anyOf?.length);
  if (property.default !== undefined && !isSelect)
    parts.push(`default ${display(property.default)}`);
  if (property.examples?.length) parts.push(`e.g. ${display(property.examples[0])}`);
  return parts.join(' · ');
}

const display = (v: unknown) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));

function controlFor(
  property: JsonSchema,
  current: unknown,
  id: string,
  required: boolean,
): {
  control: HTMLElement;
  read: () => { ok: true; value: unknown } | { ok: false; error: string };
} {
  const missing = () =>
    required
      ? ({ ok: false, error: 'is required' } as const)
      : ({ ok: true, value: undefined } as const);

  const choices = property.anyOf?.map((c) => c.const).filter((c) => c !== undefined);
  if (property.type === 'boolean' || choices?.length) {
    const options: [string, string][] = [
      [
        '',
        property.default === undefined
          ? 'not set'
          : `not set (default ${display(property.default)})`,
      ],
      ...(property.type === 'boolean'
        ? ([
            ['true', 'on'],
            ['false', 'off'],
          ] as [string, string][])
        : (choices ?? []).map((c) => [JSON.stringify(c), String(c)] as [string, string])),
    ];
    const control = h('select', { attrs: { id } });
    const selected = current === undefined ? '' : JSON.stringify(current);
    for (const [v, label] of options) {
      const option = h('option', { attrs: { value: v } }, label);
      option.selected = v === selected;
      control.append(option);
    }
    return {
      control,
      read: () =>
        control.value === '' ? missing() : { ok: true, value: JSON.parse(control.value) },
    };
  }

  if (property.type === 'integer' || property.type === 'number') {
    const control = h('input', {
      attrs: {
        id,
        type: 'number',
        step: property.type === 'integer' ? 1 : 'any',
        min: property.minimum,
        max: property.maximum,
        placeholder: String(property.examples?.[0] ?? property.default ?? ''),
      },
    }) as HTMLInputElement;
    control.value = typeof current === 'number' ? String(current) : '';
    return {
      control,
      read: () => {
        const text = control.value.trim();
        if (!text) return missing();
        const n = Number(text);
        if (!Number.isFinite(n)) return { ok: false, error: 'must be a number' };
        if (property.type === 'integer' && !Number.isInteger(n))
          return { ok: false, error: 'must be a whole number' };
        if (property.minimum !== undefined && n < property.minimum)
          return { ok: false, error: `must be at least ${property.minimum}` };
        if (property.maximum !== undefined && n > property.maximum)
          return { ok: false, error: `must be at most ${property.maximum}` };
        return { ok: true, value: n };
      },
    };
  }

  if (property.type === 'array') {
    const item = property.items ?? {};
    const control = h('textarea', { attrs: { id, rows: 3, spellcheck: 'false' } });
    control.value = Array.isArray(current) ? current.map(String).join('\n') : '';
    return {
      control,
      read: () => {
        const lines = control.value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        if (!lines.length) return missing();
        if (property.maxItems !== undefined && lines.length > property.maxItems)
          return { ok: false, error: `at most ${property.maxItems} lines` };
        const long = lines.find((l) => item.maxLength !== undefined && l.length > item.maxLength);
        if (long) return { ok: false, error: `a line is longer than ${item.maxLength} characters` };
        return { ok: true, value: lines };
      },
    };
  }

  const control = h('input', {
    attrs: {
      id,
      type: 'text',
      maxlength: property.maxLength,
      placeholder: String(property.examples?.[0] ?? ''),
      spellcheck: 'false',
    },
  }) as HTMLInputElement;
  control.value = typeof current === 'string' ? current : '';
  return {
    control,
    read: () => {
      const text = control.value;
      if (!text) return missing();
      if (property.minLength !== undefined && text.length < property.minLength)
        return { ok: false, error: `must be at least ${property.minLength} characters` };
      if (property.maxLength !== undefined && text.length > property.maxLength)
        return { ok: false, error: `must be at most ${property.maxLength} characters` };
      return { ok: true, value: text };
    },
  };
}
