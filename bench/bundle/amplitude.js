// @amplitude/analytics-browser without remote config, diagnostics or default tracking.
import * as amplitude from '@amplitude/analytics-browser';

globalThis.bench = {
  init: (endpoint) =>
    amplitude.init('bench', undefined, {
      serverUrl: `${endpoint}/2/httpapi`,
      fetchRemoteConfig: false,
      enableDiagnostics: false,
      autocapture: false,
      defaultTracking: false,
    }),
  identify: (id) => amplitude.setUserId(id),
  addUserProperties: (props) => {
    const identify = new amplitude.Identify();
    for (const [key, value] of Object.entries(props)) identify.set(key, value);
    return amplitude.identify(identify);
  },
  track: (event, props) => amplitude.track(event, props),
};
