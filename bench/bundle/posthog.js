// posthog-js, full module build (extensions such as replay and surveys load later from PostHog's CDN,
// which the benchmark disables).
import posthog from 'posthog-js';
import { options } from './posthog-options.js';

globalThis.bench = {
  init: (endpoint) => posthog.init('phc_bench', options(endpoint)),
  identify: (id) => posthog.identify(id),
  addUserProperties: (props) => posthog.setPersonProperties(props),
  track: (event, props) => posthog.capture(event, props),
};
