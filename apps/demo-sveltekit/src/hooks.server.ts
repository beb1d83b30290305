import { createHandle } from '@idem/sveltekit/server';
import type { Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { findAccount, SESSION_COOKIE } from '$lib/server/accounts';
import { appId, endpoint, serverKey } from '$lib/server/config';

// Idem's handle, made on the first request (the server key may be written by the collector just after
// this server starts). It puts the visitor on event.locals.idem and keeps the idem_<appId> cookie.
let idemHandle: Handle | undefined;
const idem: Handle = (input) => {
  idemHandle ??= createHandle({ appId, endpoint, serverKey: serverKey() });
  return idemHandle(input);
};

// The demo's own fake session: a cookie holding the account's email.
const session: Handle = ({ event, resolve }) => {
  event.locals.user = findAccount(event.cookies.get(SESSION_COOKIE));
  return resolve(event);
};

export const handle = sequence(idem, session);
