window.idem = window.idem || [];
idem.load = (a, o) => {
  idem.appid = a;
  idem.config = o = o || {};
  var s = document.createElement('script');
  s.async = !0;
  s.src = o.src || (o.endpoint || '') + '/idem.min.js';
  document.head.appendChild(s);
};
[
  'init',
  'identify',
  'resetIdentity',
  'addUserProperties',
  'track',
  'addEventProperties',
  'removeEventProperty',
  'clearEventProperties',
  'onReady',
  'pageview',
  'flush',
  'shutdown',
].forEach((m) => {
  idem[m] = function () {
    idem.push([m, [].slice.call(arguments)]);
  };
});
