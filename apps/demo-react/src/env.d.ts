/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The collector's base URL; http://127.0.0.1:8787 when unset. */
  readonly VITE_IDEM_ENDPOINT?: string;
  /** The app id the collector accepts; `demo` when unset. */
  readonly VITE_IDEM_APP_ID?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

interface Window {
  /** The Idem client, exposed for the end-to-end tests (flush, getUserId) and for poking at in devtools. */
  __idem?: import('@idem/react').Idem;
}
