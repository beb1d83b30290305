import { fail } from '@sveltejs/kit';
import { PLANS } from '$lib/server/accounts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ cookies }) => ({ plans: PLANS, plan: cookies.get('demo_plan') ?? null });

export const actions: Actions = {
  // Works for anonymous visitors and logged-in users alike: the handle sends the property to the
  // collector for this visitor (by identity when identified).
  choose: async ({ request, cookies, locals }) => {
    const plan = (await request.formData()).get('plan');
    if (!PLANS.includes(plan as (typeof PLANS)[number])) return fail(400, { error: 'Pick one of the plans.' });
    const result = await locals.idem.addUserProperties({ plan: plan as string });
    await locals.idem.track('Plan Chosen', { plan: plan as string });
    cookies.set('demo_plan', plan as string, { path: '/', httpOnly: true, sameSite: 'lax', secure: false });
    return { chosen: plan as string, recorded: result.ok };
  },
};
