import { redirect } from '@sveltejs/kit';
import { SESSION_COOKIE } from '$lib/server/accounts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
  default: ({ cookies, locals }) => {
    cookies.delete(SESSION_COOKIE, { path: '/' });
    // R8: this device becomes a new anonymous user; the account keeps its history.
    locals.idem.resetIdentity();
    redirect(303, '/');
  },
};
