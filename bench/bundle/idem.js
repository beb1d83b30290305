// The job every entry does: init, identify, addUserProperties, track. `globalThis.bench` keeps each
// call (so the bundler keeps what it needs) and lets bench/lib/client.mjs time them in Chromium.
import { idem } from '@idem/browser';

globalThis.bench = {
  init: (endpoint) => idem.init('demo', { endpoint, autoPageviews: false }),
  identify: (id) => idem.identify(id),
  addUserProperties: (props) => idem.addUserProperties(props),
  track: (event, props) => idem.track(event, props),
};
