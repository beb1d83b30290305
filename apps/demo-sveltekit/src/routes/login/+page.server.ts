import { fail, redirect } from '@sveltejs/kit';
import { findAccount, SESSION_COOKIE } from '$lib/server/accounts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
  if (locals.user) redirect(303, '/account');
};

export const actions: Actions = {
  default: async ({ request, cookies, locals }) => {
    const form = await request.formData();
    const email = form.get('email');
    const account = findAccount(email);
    if (!account || form.get('password') !== 'demo') {
      return fail(400, { email: typeof email === 'string' ? email.slice(0, 200) : '', error: 'Unknown email or wrong password.' });
    }
    cookies.set(SESSION_COOKIE, account.email, { path: '/', httpOnly: true, sameSite: 'lax', secure: false });
    // Identify on the server: the cookie and the collector agree before the next page renders (R5; R6
    // when this device was someone else's). Then what the app knows about the account.
    await locals.idem.identify(account.id);
    await locals.idem.addUserProperties({ name: account.name, email: account.email });
    redirect(303, '/account');
  },
};
