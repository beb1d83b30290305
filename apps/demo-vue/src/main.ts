import { idem, useIdem } from '@idem/vue';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';

const app = createApp(App);
app.use(router);
app.use(idem, {
  appId: import.meta.env.VITE_IDEM_APP_ID || 'demo',
  endpoint: import.meta.env.VITE_IDEM_ENDPOINT || 'http://127.0.0.1:8787',
  router,
});
// For the end-to-end tests and the curious: `await idem.flush()` in the console sends what is queued.
(window as unknown as { idem: unknown }).idem = app.runWithContext(useIdem);
app.mount('#app');
