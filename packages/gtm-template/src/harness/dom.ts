import type { Page } from './sandbox.js';

/** injectScript's loading as a page does it: a <script async src> whose load or error event calls back. */
export function domLoadScript(document: Document): Page['loadScript'] {
  return (url, onload, onerror) => {
    const script = document.createElement('script');
    script.async = true;
    script.src = url;
    script.addEventListener('load', () => onload());
    script.addEventListener('error', () => onerror());
    (document.head ?? document.documentElement).appendChild(script);
  };
}
