/**
 * The script-tag snippet (README): it makes `window.idem` a queue of `[method, args]` calls and
 * `idem.load(appId, options)` inject dist/idem.min.js (from `options.src`, else
 * `{endpoint}/idem.min.js`), which replays the queue in order. Exported for pages rendered on a
 * server that want to inline it in a <script> tag.
 */
export const snippet = `window.idem=window.idem||[];idem.load=function(a,o){idem.appid=a;idem.config=o=o||{};var s=document.createElement("script");s.async=!0;s.src=o.src||(o.endpoint||"")+"/idem.min.js";document.head.appendChild(s)};"init identify resetIdentity addUserProperties track addEventProperties removeEventProperty clearEventProperties onReady pageview flush shutdown".split(" ").forEach(function(m){idem[m]=function(){idem.push([m,[].slice.call(arguments)])}});`;
