___TERMS_OF_SERVICE___

By creating or modifying this file you agree to Google Tag Manager's Community Template Gallery
Developer Terms of Service (https://developers.google.com/tag-manager/gallery-tos), as Google may
update them.


___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Idem: identify, reset, track",
  "categories": [
    "ANALYTICS",
    "PERSONALIZATION"
  ],
  "brand": {
    "id": "brand_dummy",
    "displayName": "Idem",
    "thumbnail": ""
  },
  "description": "Self-hosted user identity for your site: loads the Idem SDK, identifies signed-in users (anonymous visitors keep a first-party user id), adds user properties, resets on logout and tracks events, with Heap\u0027s identify semantics.",
  "containerContexts": [
    "WEB"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "tagType",
    "displayName": "Tag type",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "identify",
        "displayValue": "Identify (load the SDK, identify the signed-in user, add user properties)"
      },
      {
        "value": "reset",
        "displayValue": "Reset identity (on logout)"
      },
      {
        "value": "track",
        "displayValue": "Track event"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "identify",
    "alwaysInSummary": true,
    "help": "Every type loads the SDK first if the page does not have it yet, so any of these tags may fire first."
  },
  {
    "type": "TEXT",
    "name": "appId",
    "displayName": "App ID",
    "simpleValueType": true,
    "alwaysInSummary": true,
    "valueHint": "demo",
    "help": "The public app id your Idem collector accepts (letters, digits, _ and -, at most 64). A Constant variable shared by all Idem tags works well.",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      },
      {
        "type": "REGEX",
        "args": [
          "^(?:[A-Za-z0-9_-]{1,64}|\\{\\{[^{}]+\\}\\})$"
        ]
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "endpoint",
    "displayName": "Collector URL",
    "simpleValueType": true,
    "valueHint": "https://idem.example.com",
    "help": "Your Idem collector\u0027s base URL. Leave empty when it is served from the site\u0027s own origin."
  },
  {
    "type": "TEXT",
    "name": "identity",
    "displayName": "User ID",
    "simpleValueType": true,
    "valueHint": "{{User ID}}",
    "help": "The variable holding the signed-in user\u0027s id (a string or a number). When it is empty, undefined, or a value that means nobody (such as anonymous, guest, null, 0), the tag identifies no one and the visitor stays anonymous. Firing this on every page load is the intended use: identifying again with the same id sends nothing.",
    "enablingConditions": [
      {
        "paramName": "tagType",
        "paramValue": "identify",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "userProperties",
    "displayName": "User properties",
    "simpleTableColumns": [
      {
        "type": "TEXT",
        "name": "key",
        "displayName": "Property",
        "defaultValue": "",
        "valueValidators": [
          {
            "type": "NON_EMPTY"
          }
        ]
      },
      {
        "type": "TEXT",
        "name": "value",
        "displayName": "Value",
        "defaultValue": ""
      }
    ],
    "newRowButtonText": "Add property",
    "help": "Properties to attach to the user, anonymous or identified (for example plan, campaign, experiment). Strings, numbers and booleans; the table wins over the object variable on the same key.",
    "enablingConditions": [
      {
        "paramName": "tagType",
        "paramValue": "identify",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "userPropertiesObject",
    "displayName": "User properties from an object variable",
    "simpleValueType": true,
    "valueHint": "{{Idem user properties}}",
    "help": "Optional: a variable that returns an object, such as a Data Layer Variable. Nested objects are flattened with dots (company.name).",
    "enablingConditions": [
      {
        "paramName": "tagType",
        "paramValue": "identify",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "eventName",
    "displayName": "Event name",
    "simpleValueType": true,
    "valueHint": "Signed up",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "enablingConditions": [
      {
        "paramName": "tagType",
        "paramValue": "track",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "eventProperties",
    "displayName": "Event properties",
    "simpleTableColumns": [
      {
        "type": "TEXT",
        "name": "key",
        "displayName": "Property",
        "defaultValue": "",
        "valueValidators": [
          {
            "type": "NON_EMPTY"
          }
        ]
      },
      {
        "type": "TEXT",
        "name": "value",
        "displayName": "Value",
        "defaultValue": ""
      }
    ],
    "newRowButtonText": "Add property",
    "enablingConditions": [
      {
        "paramName": "tagType",
        "paramValue": "track",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "eventPropertiesObject",
    "displayName": "Event properties from an object variable",
    "simpleValueType": true,
    "help": "Optional: a variable that returns an object; the table wins on the same key.",
    "enablingConditions": [
      {
        "paramName": "tagType",
        "paramValue": "track",
        "type": "EQUALS"
      }
    ]
  },
  {
    "type": "GROUP",
    "name": "sdk",
    "displayName": "SDK loading and options (used by the first Idem tag that fires on a page)",
    "groupStyle": "ZIPPY_CLOSED",
    "subParams": [
      {
        "type": "TEXT",
        "name": "scriptUrl",
        "displayName": "SDK script URL",
        "simpleValueType": true,
        "defaultValue": "https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js",
        "help": "Where to load the SDK (idem.min.js) from. To serve it from your own host, change this and add the URL to the template\u0027s \"Injects scripts\" permission; the tag fails, loading nothing, for a URL the permission does not allow.",
        "valueValidators": [
          {
            "type": "NON_EMPTY"
          }
        ]
      },
      {
        "type": "CHECKBOX",
        "name": "autoPageviews",
        "checkboxText": "Send pageviews (on load and on single-page navigations)",
        "simpleValueType": true,
        "defaultValue": true
      },
      {
        "type": "TEXT",
        "name": "cookieDomain",
        "displayName": "Cookie domain",
        "simpleValueType": true,
        "help": "Leave empty to use the broadest domain that accepts the cookie, so subdomains share one user."
      },
      {
        "type": "CHECKBOX",
        "name": "secureCookie",
        "checkboxText": "Secure cookie (HTTPS pages only)",
        "simpleValueType": true,
        "defaultValue": false
      },
      {
        "type": "CHECKBOX",
        "name": "debug",
        "checkboxText": "SDK debug logging (every message and response on the console)",
        "simpleValueType": true,
        "defaultValue": false
      }
    ]
  }
]


___SANDBOXED_JS_FOR_WEB_TEMPLATE___

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
const IDENTITY_BLOCKLIST = ['anonymous', 'guest', 'undefined', 'null', 'true', 'false', 'not_authenticated', 'nan', '0', '[object object]', 'none', 'email'];

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


___WEB_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "inject_script",
        "versionId": "1"
      },
      "param": [
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://cdn.jsdelivr.net/npm/@idem/browser@*/dist/idem.min.js"
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_globals",
        "versionId": "1"
      },
      "param": [
        {
          "key": "keys",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "idem.getUserId"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "idem.init"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "idem.identify"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "idem.addUserProperties"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "idem.resetIdentity"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "idem.track"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "debug"
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
  - name: Identify loads the SDK from the configured URL, starts it and identifies
    code: |-
      runCode(mockData);

      assertThat(sdk.injected).isEqualTo([[mockData.scriptUrl, mockData.scriptUrl]]);
      assertApi('callInWindow').wasCalledWith('idem.init', 'demo', { autoPageviews: true, endpoint: 'https://idem.example.com' });
      assertApi('callInWindow').wasCalledWith('idem.identify', 'user-42');
      assertThat(callsTo('idem.addUserProperties')).isEqualTo([]);
      assertApi('gtmOnSuccess').wasCalled();
      assertApi('gtmOnFailure').wasNotCalled();
  - name: Values that mean nobody identify no one and the tag succeeds
    code: |-
      const nobody = ['Guest', ' anonymous ', 'NULL', 'undefined', 'None', 'NaN', '[object Object]', 'Email', '0', 0, false, true, '', '   ', undefined, null];
      nobody.forEach(function (identity) {
        mockData.identity = identity;
        runCode(mockData);
      });

      assertThat(callsTo('idem.identify')).isEqualTo([]);
      assertThat(callsTo('idem.init').length).isEqualTo(1);
      assertApi('gtmOnFailure').wasNotCalled();
      assertApi('gtmOnSuccess').wasCalled();
  - name: A number identity is passed on as a number
    code: |-
      mockData.identity = 12345;
      runCode(mockData);

      assertApi('callInWindow').wasCalledWith('idem.identify', 12345);
      assertApi('gtmOnSuccess').wasCalled();
  - name: User properties come from the object variable and the table, the table winning
    code: |-
      mockData.userPropertiesObject = { plan: 'free', company: { name: 'Acme' } };
      mockData.userProperties = [{ key: 'plan', value: 'pro' }, { key: 'campaign', value: 'spring' }];
      runCode(mockData);

      assertApi('callInWindow').wasCalledWith('idem.addUserProperties', { plan: 'pro', company: { name: 'Acme' }, campaign: 'spring' });
      assertThat(sdk.calls.map(function (c) { return c[0]; })).isEqualTo(['idem.getUserId', 'idem.getUserId', 'idem.init', 'idem.getUserId', 'idem.identify', 'idem.addUserProperties']);
      assertApi('gtmOnSuccess').wasCalled();
  - name: Properties are added for an anonymous visitor too
    code: |-
      mockData.identity = undefined;
      mockData.userProperties = [{ key: 'experiment', value: 'b' }];
      runCode(mockData);

      assertThat(callsTo('idem.identify')).isEqualTo([]);
      assertApi('callInWindow').wasCalledWith('idem.addUserProperties', { experiment: 'b' });
      assertApi('gtmOnSuccess').wasCalled();
  - name: An object field holding something else fails the tag after the other calls
    code: |-
      mockData.userPropertiesObject = 'plan=pro';
      mockData.userProperties = [{ key: 'plan', value: 'pro' }];
      runCode(mockData);

      assertApi('callInWindow').wasCalledWith('idem.identify', 'user-42');
      assertApi('callInWindow').wasCalledWith('idem.addUserProperties', { plan: 'pro' });
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: A refused identify fails the tag
    code: |-
      sdk.refuse['idem.identify'] = 'too_long';
      runCode(mockData);

      assertApi('logToConsole').wasCalledWith('Idem: identify refused: too_long');
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: Refused user properties fail the tag
    code: |-
      sdk.refuse['idem.addUserProperties'] = 'reserved_key';
      mockData.userProperties = [{ key: 'user_id', value: '7' }];
      runCode(mockData);

      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: A script that fails to load fails the tag and calls nothing
    code: |-
      mock('injectScript', function (url, onSuccess, onFailure) {
        onFailure();
      });
      runCode(mockData);

      assertThat(callsTo('idem.init')).isEqualTo([]);
      assertThat(callsTo('idem.identify')).isEqualTo([]);
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: A script URL the permission does not allow fails the tag without loading anything
    code: |-
      mockData.scriptUrl = 'https://attacker.example/idem.min.js';
      runCode(mockData);

      assertThat(sdk.injected).isEqualTo([]);
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: An SDK already running on the page is used as is
    code: |-
      sdk.loaded = true;
      sdk.running = true;
      runCode(mockData);

      assertThat(sdk.injected).isEqualTo([]);
      assertThat(callsTo('idem.init')).isEqualTo([]);
      assertApi('callInWindow').wasCalledWith('idem.identify', 'user-42');
      assertApi('gtmOnSuccess').wasCalled();
  - name: Later tags on the same page reuse the loaded SDK
    code: |-
      runCode(mockData);
      mockData.tagType = 'track';
      mockData.eventName = 'Viewed pricing';
      runCode(mockData);

      assertThat(sdk.injected.length).isEqualTo(1);
      assertThat(callsTo('idem.init').length).isEqualTo(1);
      assertApi('callInWindow').wasCalledWith('idem.track', 'Viewed pricing', {});
      assertApi('gtmOnFailure').wasNotCalled();
  - name: An app id the SDK does not accept fails the tag
    code: |-
      mockData.appId = 'not an app id';
      runCode(mockData);

      assertThat(callsTo('idem.identify')).isEqualTo([]);
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: SDK options are passed to init only when set
    code: |-
      mockData.endpoint = '';
      mockData.autoPageviews = false;
      mockData.cookieDomain = 'example.com';
      mockData.secureCookie = true;
      mockData.debug = true;
      runCode(mockData);

      assertApi('callInWindow').wasCalledWith('idem.init', 'demo', { autoPageviews: false, cookieDomain: 'example.com', secureCookie: true, debug: true });
  - name: Reset identity calls resetIdentity
    code: |-
      runCode({ tagType: 'reset', appId: 'demo', scriptUrl: mockData.scriptUrl });

      assertApi('callInWindow').wasCalledWith('idem.resetIdentity');
      assertThat(callsTo('idem.identify')).isEqualTo([]);
      assertApi('gtmOnSuccess').wasCalled();
  - name: Track sends the event name and its properties
    code: |-
      runCode({
        tagType: 'track',
        appId: 'demo',
        scriptUrl: mockData.scriptUrl,
        eventName: 'Signed up',
        eventPropertiesObject: { plan: 'pro', seats: 3 },
        eventProperties: [{ key: 'seats', value: '5' }]
      });

      assertApi('callInWindow').wasCalledWith('idem.track', 'Signed up', { plan: 'pro', seats: '5' });
      assertApi('gtmOnSuccess').wasCalled();
  - name: A refused event fails the tag
    code: |-
      sdk.refuse['idem.track'] = 'empty';
      runCode({ tagType: 'track', appId: 'demo', scriptUrl: mockData.scriptUrl, eventName: '' });

      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
  - name: A global named idem that is not the SDK fails the tag
    code: |-
      sdk.impostor = true;
      runCode(mockData);

      assertApi('logToConsole').wasCalledWith('Idem: identify refused: no answer from the SDK');
      assertApi('gtmOnFailure').wasCalled();
  - name: An unknown tag type fails the tag
    code: |-
      mockData.tagType = 'drop_tables';
      runCode(mockData);

      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
setup: |-
  const mockData = {
    tagType: 'identify',
    appId: 'demo',
    endpoint: 'https://idem.example.com',
    scriptUrl: 'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js',
    identity: 'user-42',
    autoPageviews: true
  };

  // A stand-in for window.idem that records each call and answers as the SDK does.
  const sdk = { loaded: false, running: false, impostor: false, calls: [], injected: [], refuse: {} };
  mock('callInWindow', function (path, first, second) {
    sdk.calls.push([path, first, second]);
    if (path === 'idem.getUserId') {
      if (sdk.running) return '4503599627370497';
      return sdk.loaded ? null : undefined;
    }
    if (!sdk.loaded || (sdk.impostor && path !== 'idem.init')) return undefined;
    if (path === 'idem.init') {
      sdk.running = first === 'demo';
      return { ok: true };
    }
    if (sdk.refuse[path]) return { ok: false, reason: sdk.refuse[path] };
    return { ok: true };
  });
  mock('injectScript', function (url, onSuccess, onFailure, cacheToken) {
    sdk.injected.push([url, cacheToken]);
    sdk.loaded = true;
    onSuccess();
  });
  const callsTo = function (path) {
    return sdk.calls.filter(function (call) {
      return call[0] === path;
    });
  };


___NOTES___

Generated by packages/gtm-template/scripts/build.mjs in the Idem repository from src/template.js,
src/parameters.json, src/permissions.json, src/info.json and src/tests.yaml; edit those, then run
`pnpm --filter @idem/gtm-template build`. The identity blocklist comes from @idem/core.


