import { createRouter, createWebHistory } from 'vue-router';
import { email } from './session';
import AccountView from './views/AccountView.vue';
import DocsView from './views/DocsView.vue';
import HomeView from './views/HomeView.vue';
import LoginView from './views/LoginView.vue';
import PricingView from './views/PricingView.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: HomeView, meta: { title: 'Home' } },
    { path: '/pricing', component: PricingView, meta: { title: 'Pricing' } },
    { path: '/docs', component: DocsView, meta: { title: 'Docs' } },
    { path: '/login', component: LoginView, meta: { title: 'Log in' } },
    { path: '/account', component: AccountView, meta: { title: 'Account' }, beforeEnter: () => (email.value ? true : '/login') },
    { path: '/:rest(.*)', redirect: '/' },
  ],
});

router.afterEach((to) => {
  document.title = `${to.meta.title ?? 'Idem'} · Idem demo (Vue)`;
});
