/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The collector's base URL; http://127.0.0.1:8787 when unset. */
  readonly VITE_IDEM_ENDPOINT?: string;
  /** The app id the collector knows this app by; demo when unset. */
  readonly VITE_IDEM_APP_ID?: string;
}
