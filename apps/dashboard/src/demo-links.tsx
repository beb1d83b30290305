import { useEffect, useRef, useState } from 'preact/hooks';
import { type DemoLink, parseDemoLinks } from './model.js';

/**
 * `demo-links.json` beside index.html (written by the repository's `pnpm start`): an array of
 * {name, url}. Missing or malformed means no list; only http(s) URLs are kept.
 */
export function useDemoLinks(): DemoLink[] {
  const [links, setLinks] = useState<DemoLink[]>([]);
  useEffect(() => {
    const ctrl = new AbortController();
    fetch(new URL('demo-links.json', document.baseURI), { signal: ctrl.signal, credentials: 'omit', cache: 'no-store' })
      .then((r) => (r.ok && (r.headers.get('content-type') ?? '').includes('json') ? r.json() : null))
      .then((json) => !ctrl.signal.aborted && setLinks(parseDemoLinks(json, document.baseURI)))
      .catch(() => {});
    return () => ctrl.abort();
  }, []);
  return links;
}

export function DemoLinksList({ links }: { links: DemoLink[] }) {
  return (
    <ul class="demo-links">
      {links.map((l) => (
        <li key={l.url}>
          <a class="demo-link" href={l.url} target="_blank" rel="noopener noreferrer">
            {l.name}
            <span class="demo-url">{l.url.replace(/^https?:\/\//, '').replace(/\/$/, '')}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

/** The header's "Demo apps" menu: a <details> disclosure, closed on Escape or a click elsewhere. */
export function DemoLinksMenu({ links }: { links: DemoLink[] }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (e: Event) => {
      const el = ref.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !el.contains(e.target as Node)) el.open = false;
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, []);
  if (links.length === 0) return null;
  return (
    <details class="menu" ref={ref}>
      <summary class="btn btn-ghost">Demo apps</summary>
      <div class="menu-panel">
        <p class="menu-hint">Open a demo, log in there, and watch yourself become one identified user.</p>
        <DemoLinksList links={links} />
      </div>
    </details>
  );
}
