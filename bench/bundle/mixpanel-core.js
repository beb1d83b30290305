// mixpanel-browser's documented core entry, without the session recorder.
import mixpanel from 'mixpanel-browser/src/loaders/loader-module-core';
import { options } from './mixpanel-options.js';

globalThis.bench = {
  init: (endpoint) => mixpanel.init('bench', options(endpoint)),
  identify: (id) => mixpanel.identify(id),
  addUserProperties: (props) => mixpanel.people.set(props),
  track: (event, props) => mixpanel.track(event, props),
};
