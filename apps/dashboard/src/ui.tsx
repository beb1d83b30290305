import type { PropertyValue } from '@idem/core';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Filter } from './api.js';
import { formatValue } from './model.js';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.status === 0 ? e.message : `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

export function ErrorBox({ error, title = 'Could not load this page' }: { error: unknown; title?: string }) {
  return (
    <div class="alert alert-error" role="alert">
      <strong>{title}</strong>
      <span>{errorText(error)}</span>
    </div>
  );
}

export function Card({
  title,
  count,
  actions,
  children,
  class: cls,
}: {
  title?: string;
  count?: number;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <section class={`card ${cls ?? ''}`}>
      {(title || actions) && (
        <header class="card-header">
          {title && (
            <h2>
              {title}
              {count !== undefined && <span class="count">{count}</span>}
            </h2>
          )}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

const LONG = 160;

/** A property value: long strings are cut with a "Show all" toggle, empty ones shown as a dash. */
export function Value({ value }: { value: PropertyValue }) {
  const [all, setAll] = useState(false);
  const text = formatValue(value);
  if (text === '')
    return (
      <span class="muted" title="empty string">
        —
      </span>
    );
  if (text.length <= LONG || all) return <>{text}</>;
  return (
    <>
      {text.slice(0, LONG)}…{' '}
      <button type="button" class="link-btn" onClick={() => setAll(true)}>
        Show all ({text.length.toLocaleString()} characters)
      </button>
    </>
  );
}

export function PropertyTable({ entries, empty }: { entries: [string, PropertyValue][]; empty: string }) {
  if (entries.length === 0) return <Empty>{empty}</Empty>;
  return (
    <dl class="props">
      {entries.map(([k, v]) => (
        <div class="prop" key={k}>
          <dt title={k}>{k}</dt>
          <dd class={typeof v === 'string' ? '' : 'mono'}>
            <Value value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A filter row: property key from the app's known keys, value typed; plus the active filters as chips. */
export function FilterEditor({
  keys,
  filters,
  onChange,
  max = 10,
}: {
  keys: string[];
  filters: Filter[];
  onChange: (f: Filter[]) => void;
  max?: number;
}) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const valueRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!key && keys.length > 0) setKey(keys.includes('plan') ? 'plan' : (keys.find((k) => !k.startsWith('Initial ')) ?? keys[0] ?? ''));
  }, [keys, key]);
  const add = (e: Event) => {
    e.preventDefault();
    if (!key || filters.length >= max) return;
    const next = [...filters.filter((f) => f.key !== key), { key, value }];
    onChange(next);
    setValue('');
  };
  return (
    <div class="filters">
      <form class="filter-form" onSubmit={add} aria-label="Add a property filter">
        <span class="filter-label">Where</span>
        <select
          aria-label="Filter property"
          value={key}
          onChange={(e) => setKey((e.target as HTMLSelectElement).value)}
          disabled={keys.length === 0}
        >
          {keys.length === 0 && <option value="">No properties yet</option>}
          {keys.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <span class="eq">=</span>
        <input
          ref={valueRef}
          aria-label="Filter value"
          placeholder="value"
          value={value}
          maxLength={1024}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="btn" disabled={!key || filters.length >= max}>
          Add filter
        </button>
      </form>
      {filters.length > 0 && (
        <ul class="chips" aria-label="Active filters">
          {filters.map((f) => (
            <li class="chip" key={`${f.key}=${f.value}`}>
              <span>
                <b>{f.key}</b> = {f.value === '' ? <i>(empty)</i> : f.value}
              </span>
              <button
                type="button"
                class="chip-x"
                aria-label={`Remove filter ${f.key}`}
                onClick={() => onChange(filters.filter((x) => x !== f))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A stable colour per identity, so neighbouring rows are told apart at a glance. */
function hue(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 6;
}

export function Avatar({ name, anonymous }: { name: string; anonymous: boolean }) {
  const letter = anonymous ? '?' : (name.trim()[0] ?? '?').toUpperCase();
  return (
    <span class={`avatar ${anonymous ? 'avatar-anon' : `avatar-${hue(name)}`}`} aria-hidden="true">
      {letter}
    </span>
  );
}

export function Badge({ kind, children }: { kind: 'ok' | 'muted' | 'warn' | 'info'; children: ComponentChildren }) {
  return <span class={`badge badge-${kind}`}>{children}</span>;
}
