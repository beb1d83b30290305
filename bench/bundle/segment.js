// @segment/analytics-next with its settings given inline, so nothing is fetched from Segment's CDN.
import { AnalyticsBrowser } from '@segment/analytics-next';

let analytics;
globalThis.bench = {
  init: (endpoint) => {
    const host = endpoint.replace(/^https?:\/\//, '');
    analytics = AnalyticsBrowser.load(
      {
        writeKey: 'bench',
        cdnSettings: {
          integrations: { 'Segment.io': { apiKey: 'bench', apiHost: `${host}/v1`, protocol: 'http' } },
          metrics: { sampleRate: 0 },
        },
      },
      { initialPageview: false },
    );
  },
  identify: (id) => analytics.identify(id),
  addUserProperties: (props) => analytics.identify(props),
  track: (event, props) => analytics.track(event, props),
};
