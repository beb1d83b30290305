// The same job as Idem's entry: no autocapture, no pageviews, no flags, remote config or CDN scripts.
export const options = (endpoint) => ({
  api_host: endpoint,
  autocapture: false,
  capture_pageview: false,
  capture_pageleave: false,
  capture_dead_clicks: false,
  capture_exceptions: false,
  capture_performance: false,
  rageclick: false,
  disable_session_recording: true,
  disable_surveys: true,
  disable_product_tours: true,
  disable_conversations: true,
  disable_web_experiments: true,
  disable_external_dependency_loading: true,
  advanced_disable_flags: true,
  advanced_disable_decide: true,
  advanced_disable_feature_flags: true,
  advanced_disable_toolbar_metrics: true,
  // Chromium under automation (navigator.webdriver) is taken for a bot, whose events PostHog drops.
  opt_out_useragent_filter: true,
  // Its client-side rate limit (10 events/s, bursts of 100) would drop most of the benchmark's calls.
  rate_limiting: { events_per_second: 100_000, events_burst_limit: 100_000 },
});
