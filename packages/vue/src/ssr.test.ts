// @vitest-environment node
import { renderToString } from '@vue/server-renderer';
import { describe, expect, it, vi } from 'vitest';
import { createSSRApp, defineComponent, h, ref } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';

// The browser globals the SDK could use. None exists in this environment, so any use of one other than
// a `typeof` check throws, which fails the render; the tests also check that none was defined on the way.
const BROWSER_GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage', 'location', 'history', 'XMLHttpRequest'];

describe('server-side rendering (Vue SSR, Nuxt)', () => {
  it('imports, installs and renders every composable with no window, document or storage', async () => {
    for (const g of BROWSER_GLOBALS) expect(g in globalThis).toBe(false);
    const warn = vi.spyOn(console, 'warn');
    const { idem, useIdem, useIdentify, useIdentity, useUserProperties } = await import('./index.js');
    const Page = defineComponent({
      setup() {
        const client = useIdem();
        useIdentify(() => 'alice@example.com');
        useUserProperties({ plan: 'pro' });
        const identity = useIdentity();
        client.track('rendered on the server');
        return () => h('p', `user=${identity.value.userId} identity=${identity.value.identity} session=${identity.value.sessionId}`);
      },
    });
    const render = async (url: string) => {
      const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: Page }] });
      const app = createSSRApp({ render: () => h(RouterView) });
      app.use(idem, { appId: 'demo', endpoint: 'http://127.0.0.1:1', router });
      app.use(router);
      await router.push(url);
      await router.isReady();
      return renderToString(app);
    };
    // The server is one process for every request: render a few, as it would.
    for (const url of ['/', '/pricing', '/account?tab=plan']) {
      expect(await render(url)).toBe('<p>user=null identity=null session=null</p>');
    }
    for (const g of BROWSER_GLOBALS) expect(g in globalThis).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('the identity shown while rendering is the empty one, the same for every request (nothing leaks between users)', async () => {
    const { idem, useIdentify, useIdentity } = await import('./index.js');
    const html: string[] = [];
    for (const who of ['alice@example.com', 'bob@example.com']) {
      const app = createSSRApp(
        defineComponent({
          setup() {
            useIdentify(ref(who));
            const identity = useIdentity();
            return () => h('span', String(identity.value.identity));
          },
        }),
      );
      app.use(idem, { appId: 'demo' });
      html.push(await renderToString(app));
    }
    expect(html).toEqual(['<span>null</span>', '<span>null</span>']);
  });
});
