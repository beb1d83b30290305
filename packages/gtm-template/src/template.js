// Idem for Google Tag Manager: loads the Idem browser SDK, then identifies, resets or tracks.
// GTM's sandboxed JavaScript: no `new`, `this`, regex or template literals, spread, destructuring,
// try/catch or free globals other than `require` and `data` (checked by the package's tests).
const callInWindow = require('callInWindow');
const getType = require('getType');
const injectScript = require('injectScript');
const logToConsole = require('logToConsole');
const makeString = require('makeString');
const makeTableMap = require('makeTableMap');
const Object = require('Object');
const queryPermission = require('queryPermission');

// R4: the values that mean "nobody"; the build writes @idem/core's IDENTITY_BLOCKLIST here.
const IDENTITY_BLOCKLIST = /* @generated IDENTITY_BLOCKLIST */ [];

const log = (message) => {
  logToConsole('Idem: ' + message);
};

// The SDK answers every call with {ok: true} or {ok: false, reason}; anything else (undefined when
// `window.idem` is not the SDK) means the call did not reach it.
const accepted = (method, outcome) => {
  if (getType(outcome) === 'object' && outcome.ok === true) return true;
  const reason = getType(outcome) === 'object' ? makeString(outcome.reason) : 'no answer from the SDK';
  log(method + ' refused: ' + reason);
  return false;
};

// The identity to send, or undefined when the variable holds no one: unset, blank, or one of the
// blocklisted words (compared trimmed and without regard to case). Other checks are the SDK's.
const identityFrom = (value) => {
  const type = getType(value);
  if (type === 'undefined' || type === 'null') return undefined;
  const text = makeString(value).trim();
  if (text === '') return undefined;
  if (IDENTITY_BLOCKLIST.indexOf(text.toLowerCase()) >= 0) {
    log('not identifying "' + text + '": the value means nobody');
    return undefined;
  }
  return value;
};

// Properties from an object variable and a key/value table (the table wins on the same key).
// `valid` is false when the object field holds something other than an object.
const propertiesFrom = (objectValue, rows, label) => {
  const result = { values: {}, count: 0, valid: true };
  const add = (source) => {
    Object.keys(source).forEach((key) => {
      result.values[key] = source[key];
      result.count = result.count + 1;
    });
  };
  const objectType = getType(objectValue);
  if (objectType === 'object') {
    add(objectValue);
  } else if (objectType !== 'undefined' && objectType !== 'null' && objectValue !== '') {
    log(label + ' object ignored: it is of type ' + objectType + ', not an object');
    result.valid = false;
  }
  if (getType(rows) === 'array') {
    const table = makeTableMap(rows, 'key', 'value');
    if (getType(table) === 'object') add(table);
  }
  return result;
};

const sdkOptions = () => {
  const options = { autoPageviews: data.autoPageviews !== false };
  if (data.endpoint) options.endpoint = makeString(data.endpoint);
  if (data.cookieDomain) options.cookieDomain = makeString(data.cookieDomain);
  if (data.secureCookie === true) options.secureCookie = true;
  if (data.debug === true) options.debug = true;
  return options;
};

// A string user id means an SDK instance is running (made by an earlier tag or by the page).
const isRunning = () => getType(callInWindow('idem.getUserId')) === 'string';

const ensureInitialized = () => {
  if (isRunning()) return true;
  callInWindow('idem.init', data.appId, sdkOptions());
  if (isRunning()) return true;
  log('the SDK did not start with app id "' + makeString(data.appId) + '" (see its console warning)');
  return false;
};

const identify = () => {
  let ok = true;
  const identity = identityFrom(data.identity);
  if (identity !== undefined) {
    ok = accepted('identify', callInWindow('idem.identify', identity)) && ok;
    if (ok) log('identified as "' + makeString(identity).trim() + '"');
  }
  const properties = propertiesFrom(data.userPropertiesObject, data.userProperties, 'user properties');
  if (properties.count > 0) {
    ok = accepted('addUserProperties', callInWindow('idem.addUserProperties', properties.values)) && ok;
  }
  return ok && properties.valid;
};

const resetIdentity = () => {
  const ok = accepted('resetIdentity', callInWindow('idem.resetIdentity'));
  if (ok) log('identity reset');
  return ok;
};

const track = () => {
  const properties = propertiesFrom(data.eventPropertiesObject, data.eventProperties, 'event properties');
  const ok = accepted('track', callInWindow('idem.track', data.eventName, properties.values));
  if (ok) log('tracked "' + makeString(data.eventName) + '"');
  return ok && properties.valid;
};

const run = () => {
  const tagType = data.tagType || 'identify';
  if (tagType === 'identify') return identify();
  if (tagType === 'reset') return resetIdentity();
  if (tagType === 'track') return track();
  log('unknown tag type "' + makeString(tagType) + '"');
  return false;
};

const onLoaded = () => {
  if (ensureInitialized() && run()) {
    data.gtmOnSuccess();
  } else {
    data.gtmOnFailure();
  }
};

const scriptUrl = makeString(data.scriptUrl);
const onLoadFailed = () => {
  log('could not load the SDK from ' + scriptUrl);
  data.gtmOnFailure();
};
if (isRunning()) {
  onLoaded();
} else if (queryPermission('inject_script', scriptUrl)) {
  // The URL as cache token: the script is requested once per page however many tags fire.
  injectScript(scriptUrl, onLoaded, onLoadFailed, scriptUrl);
} else {
  log('the SDK URL ' + scriptUrl + ' is not allowed by this template\'s "Injects scripts" permission');
  data.gtmOnFailure();
}
