import type { IdemLocals } from '@idem/sveltekit/server';
import type { Account } from '$lib/server/accounts';

declare global {
  namespace App {
    interface Locals {
      idem: IdemLocals;
      user: Account | null;
    }
  }
}
