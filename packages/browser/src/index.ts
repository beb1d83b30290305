import { createSingleton } from './singleton.js';

export type { Outcome, Reason } from '@idem/core';
export { createIdem, type Idem, type IdemOptions, type IdemSnapshot } from './idem.js';
export { createSingleton, type IdemSingleton } from './singleton.js';
export { snippet } from './snippet.js';

/** The default instance: `idem.init(appId, options)`, then Heap's methods. */
export const idem = /* @__PURE__ */ createSingleton();
