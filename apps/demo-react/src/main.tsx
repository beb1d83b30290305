import { IdemProvider } from '@idem/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';

const endpoint = import.meta.env.VITE_IDEM_ENDPOINT || 'http://127.0.0.1:8787';
const appId = import.meta.env.VITE_IDEM_APP_ID || 'demo';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <IdemProvider appId={appId} options={{ endpoint, flushIntervalMs: 500 }}>
      <App endpoint={endpoint} appId={appId} />
    </IdemProvider>
  </StrictMode>,
);
