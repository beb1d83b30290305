// The same job as Idem's entry: no pageviews, autocapture, session recording or flags.
export const options = (endpoint) => ({
  api_host: endpoint,
  track_pageview: false,
  autocapture: false,
  record_sessions_percent: 0,
  flags: false,
  ignore_dnt: true,
});
