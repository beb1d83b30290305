import { appId, endpoint } from '$lib/server/config';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
  user: locals.user,
  // What the browser SDK needs, and the visitor as the server sees it (rendered, to compare with the SDK).
  idem: { appId, endpoint, userId: locals.idem.userId, identity: locals.idem.identity },
});
