// posthog-js's slim module build (no bundled extensions).
import posthog from 'posthog-js/dist/module.slim';
import { options } from './posthog-options.js';

globalThis.bench = {
  init: (endpoint) => posthog.init('phc_bench', options(endpoint)),
  identify: (id) => posthog.identify(id),
  addUserProperties: (props) => posthog.setPersonProperties(props),
  track: (event, props) => posthog.capture(event, props),
};
