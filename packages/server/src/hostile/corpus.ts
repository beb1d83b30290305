/**
 * The hostile-input corpus (issue 11): malformed and hostile requests across every endpoint. Each
 * case names the status and error code it must get; none may change what is stored.
 */
export interface HostileCase {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** false: send no Authorization header. */
  auth?: boolean;
  status: number;
  code: string;
}

const T = '2026-06-01T12:00:00.000Z';
const msg = (fields: Record<string, unknown>) => ({
  type: 'track',
  id: 'hostile0001',
  user_id: '42',
  session_id: '7',
  time: T,
  event: 'x',
  ...fields,
});
const deep = (n: number): unknown => (n === 0 ? 'leaf' : { a: deep(n - 1) });
const deepJson = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

/** Values a careless or hostile client puts where an identity goes. */
const BAD_IDENTITIES: [unknown, string][] = [
  ['guest', 'blocklisted'],
  ['GUEST', 'blocklisted'],
  [' null ', 'blocklisted'],
  ['0', 'blocklisted'],
  [0, 'blocklisted'],
  ['[object Object]', 'blocklisted'],
  ['', 'empty'],
  ['\t\n ', 'empty'],
  ['x'.repeat(256), 'too_long'],
  [{}, 'invalid_type'],
  [[], 'invalid_type'],
  [true, 'invalid_type'],
];

const SQL = ["' OR 1=1 --", '"; DROP TABLE users; --', "Robert'); DROP TABLE events;--", '%', '_', '\\', '\u0000'];

export function buildCorpus(): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);
  const batch = (name: string, body: unknown, status: number, code: string, headers?: Record<string, string>) =>
    add({
      name: `batch: ${name}`,
      method: 'POST',
      path: '/api/v1/batch',
      body,
      status,
      code,
      auth: false,
      ...(headers ? { headers } : {}),
    });

  // Broken JSON and wrong shapes, on every POST endpoint.
  const endpoints = ['/api/v1/batch', '/api/track', '/api/add_user_properties', '/api/v1/identify'];
  for (const path of endpoints) {
    for (const [name, body] of [
      ['truncated JSON', '{"app_id": "demo", '],
      ['trailing garbage', '{"app_id":"demo"} x'],
      ['single quotes', "{'app_id': 'demo'}"],
      ['NaN literal', '{"app_id": NaN}'],
      ['empty body', ''],
      ['__proto__ key', '{"app_id":"demo","__proto__":{"admin":true}}'],
      ['nested __proto__', '{"app_id":"demo","x":{"__proto__":{"admin":true}}}'],
      ['constructor.prototype', '{"app_id":"demo","constructor":{"prototype":{"admin":true}}}'],
    ] as const) {
      add({
        name: `${path}: ${name}`,
        method: 'POST',
        path,
        body,
        status: 400,
        code: name === 'empty body' ? 'invalid_request' : 'invalid_json',
      });
    }
    for (const [name, body] of [
      ['array body', '[]'],
      ['number body', '42'],
      ['string body', '"hello"'],
      ['null body', 'null'],
    ] as const) {
      add({ name: `${path}: ${name}`, method: 'POST', path, body, status: 400, code: 'invalid_request' });
    }
    add({ name: `${path}: missing app_id`, method: 'POST', path, body: { x: 1 }, status: 400, code: 'invalid_app_id' });
    add({ name: `${path}: app_id number`, method: 'POST', path, body: { app_id: 5 }, status: 400, code: 'invalid_app_id' });
    add({
      name: `${path}: app_id with SQL`,
      method: 'POST',
      path,
      body: { app_id: "demo' OR '1'='1" },
      status: 400,
      code: 'invalid_app_id',
    });
    add({ name: `${path}: app_id too long`, method: 'POST', path, body: { app_id: 'a'.repeat(65) }, status: 400, code: 'invalid_app_id' });
    add({
      name: `${path}: unknown app`,
      method: 'POST',
      path,
      body: { app_id: 'ghost', messages: [msg({})], identity: 'a', event: 'x', properties: {}, user_id: '1' },
      status: 404,
      code: 'unknown_app',
    });
    add({
      name: `${path}: wrong content type`,
      method: 'POST',
      path,
      body: '<xml/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
      code: 'unsupported_media_type',
    });
    add({
      name: `${path}: 6 MB body`,
      method: 'POST',
      path,
      body: JSON.stringify({ app_id: 'demo', pad: 'x'.repeat(6 * 1024 * 1024) }),
      status: 413,
      code: 'body_too_large',
    });
    add({
      name: `${path}: deep nesting`,
      method: 'POST',
      path,
      body: `{"app_id":"demo","x":${deepJson(5000)}}`,
      status: 400,
      code: { '/api/v1/batch': 'invalid_request', '/api/track': 'invalid_type' }[path] ?? 'missing_identity',
    });
    // JSON has no NaN; 1e400 parses to Infinity, which is not a finite number (R4).
    const infinite = {
      '/api/v1/batch': null,
      '/api/track': '"event":"x"',
      '/api/add_user_properties': '"properties":{"a":1}',
      '/api/v1/identify': '"user_id":"42"',
    }[path];
    if (infinite)
      add({
        name: `${path}: identity 1e400`,
        method: 'POST',
        path,
        body: `{"app_id":"demo","identity":1e400,${infinite}}`,
        status: 400,
        code: 'invalid_type',
      });
    add({
      name: `${path}: invalid UTF-8`,
      method: 'POST',
      path,
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      status: 400,
      code: 'invalid_app_id',
    });
  }

  // Server-side endpoints without or with a wrong key.
  for (const path of endpoints.slice(1)) {
    const body = { app_id: 'demo', identity: 'alice', user_id: '42', event: 'x', properties: { a: 1 } };
    add({ name: `${path}: no key`, method: 'POST', path, body, auth: false, status: 401, code: 'missing_key' });
    add({
      name: `${path}: wrong key`,
      method: 'POST',
      path,
      body,
      headers: { authorization: 'Bearer not-the-key-000000' },
      auth: false,
      status: 401,
      code: 'wrong_key',
    });
    add({
      name: `${path}: basic auth`,
      method: 'POST',
      path,
      body,
      headers: { authorization: 'Basic YTpi' },
      auth: false,
      status: 401,
      code: 'missing_key',
    });
    add({
      name: `${path}: empty bearer`,
      method: 'POST',
      path,
      body,
      headers: { authorization: 'Bearer ' },
      auth: false,
      status: 401,
      code: 'missing_key',
    });
  }

  // Batch envelopes.
  batch('messages missing', { app_id: 'demo' }, 400, 'invalid_request');
  batch('messages empty', { app_id: 'demo', messages: [] }, 400, 'invalid_request');
  batch('messages object', { app_id: 'demo', messages: { 0: msg({}) } }, 400, 'invalid_request');
  batch(
    '501 messages',
    { app_id: 'demo', messages: Array.from({ length: 501 }, (_, i) => msg({ id: `m${String(i).padStart(8, '0')}` })) },
    413,
    'too_many_messages',
  );
  batch(
    'identify 1e400',
    `{"app_id":"demo","messages":[{"type":"identify","id":"hostile0002","user_id":"42","session_id":"7","time":"${T}","identity":1e400}]}`,
    200,
    'refused:invalid_type',
  );
  batch('100,000 messages', { app_id: 'demo', messages: Array.from({ length: 100_000 }, () => 1) }, 413, 'too_many_messages');

  // Messages that are refused one by one inside an accepted batch (status 200, code "refused").
  const refused = (name: string, m: unknown, reason: string) =>
    batch(`message ${name}`, { app_id: 'demo', messages: [m] }, 200, `refused:${reason}`);
  for (const [identity, reason] of BAD_IDENTITIES)
    refused(`identify ${JSON.stringify(identity)?.slice(0, 20)}`, msg({ type: 'identify', identity }), reason);
  for (const [name, fields, reason] of [
    ['no id', { id: undefined }, 'invalid_message'],
    ['id too short', { id: 'a' }, 'invalid_message'],
    ['id with NUL', { id: 'abcdefgh\u0000' }, 'invalid_message'],
    ['id SQL', { id: "x'; DROP TABLE events;--" }, 'invalid_message'],
    ['user_id negative', { user_id: '-5' }, 'invalid_message'],
    ['user_id 2^53', { user_id: '9007199254740992' }, 'invalid_message'],
    ['user_id huge', { user_id: '1'.repeat(400) }, 'invalid_message'],
    ['user_id float', { user_id: '1.5' }, 'invalid_message'],
    ['user_id number', { user_id: 42 }, 'invalid_message'],
    ['user_id leading zero', { user_id: '042' }, 'invalid_message'],
    ['session_id missing', { session_id: undefined }, 'invalid_message'],
    ['type unknown', { type: 'delete_all' }, 'invalid_message'],
    ['type missing', { type: undefined }, 'invalid_message'],
    ['time missing', { time: undefined }, 'invalid_timestamp'],
    ['time negative year', { time: '-000001-01-01T00:00:00Z' }, 'invalid_timestamp'],
    ['time epoch', { time: '1970-01-01T00:00:00Z' }, 'invalid_timestamp'],
    ['time far future', { time: '9999-12-31T23:59:59Z' }, 'invalid_timestamp'],
    ['time number', { time: 1780000000000 }, 'invalid_timestamp'],
    ['time no zone', { time: '2026-06-01T12:00:00' }, 'invalid_timestamp'],
    ['time Feb 30', { time: '2026-02-30T12:00:00Z' }, 'invalid_timestamp'],
    ['event empty', { event: '' }, 'empty'],
    ['event spaces', { event: '   ' }, 'empty'],
    ['event 256 chars', { event: 'e'.repeat(256) }, 'too_long'],
    ['event number', { event: 5 }, 'invalid_type'],
    ['event object', { event: { toString: 'x' } }, 'invalid_type'],
    ['properties string', { properties: 'a=b' }, 'invalid_type'],
    ['properties array', { properties: [1] }, 'invalid_type'],
    ['5,000 properties', { properties: many(5_000) }, 'too_long'],
    ['deeply nested user properties', { type: 'user_properties', properties: deep(50) }, 'invalid_type'],
    ['pageview url number', { type: 'pageview', url: 5 }, 'invalid_message'],
    ['pageview url 3000', { type: 'pageview', url: `https://a/${'x'.repeat(3000)}` }, 'invalid_message'],
    ['pageview referrer object', { type: 'pageview', url: 'https://a/', referrer: {} }, 'invalid_message'],
    ['identify signature object', { type: 'identify', identity: 'ok-person', signature: {} }, 'invalid_message'],
    ['user_properties only reserved', { type: 'user_properties', properties: { id: 1, user_id: 2 } }, 'reserved_key'],
    ['user_properties only prototype', { type: 'user_properties', properties: { prototype: 1 } }, 'reserved_key'],
    [
      'user_properties only bad values',
      { type: 'user_properties', properties: { a: null, b: [1], c: Number.MAX_VALUE * 10 } },
      'invalid_type',
    ],
    ['user_properties string', { type: 'user_properties', properties: 'plan' }, 'invalid_type'],
  ] as [string, Record<string, unknown>, string][]) {
    const m = msg(fields);
    for (const [k, v] of Object.entries(fields)) if (v === undefined) delete (m as Record<string, unknown>)[k];
    refused(name, m, reason);
  }
  for (const s of SQL)
    refused(
      `identify SQL ${JSON.stringify(s)}`,
      msg({ type: 'identify', identity: s === '%' || s === '_' || s === '\\' ? `${s}`.repeat(300) : 'x'.repeat(300) + s }),
      s === '\u0000' ? 'invalid_message' : 'too_long',
    );
  // NUL (U+0000) or a lone surrogate anywhere: not storable alike on every storage, so refused alike.
  for (const [name, fields] of [
    ['identity with NUL', { type: 'identify', identity: 'n\u0000l@example.com' }],
    ['event name with NUL', { type: 'track', event: 'ev\u0000il' }],
    ['url with NUL', { type: 'pageview', url: 'https://shop.example/\u0000' }],
    ['property key with NUL', { type: 'user_properties', properties: { 'a\u0000b': 'x' } }],
    ['property value with NUL', { type: 'track', event: 'x', properties: { a: 'b\u0000' } }],
    ['type with NUL', { type: 'track\u0000' }],
    ['identity with a lone surrogate', { type: 'identify', identity: 'h\ud800@example.com' }],
    ['event name with a lone surrogate', { type: 'track', event: 'E\udfff' }],
    ['property key with a lone surrogate', { type: 'user_properties', properties: { 'k\ud800': 1 } }],
  ] as [string, Record<string, unknown>][])
    refused(name, msg(fields), 'invalid_message');
  refused('non-object message', 'a string', 'invalid_message');
  refused('null message', null, 'invalid_message');
  refused('array message', [1, 2], 'invalid_message');

  // Server-side single calls refused by a rule.
  const server = (path: string, name: string, body: Record<string, unknown>, status: number, code: string) =>
    add({ name: `${path}: ${name}`, method: 'POST', path, body: { app_id: 'demo', ...body }, status, code });
  for (const [identity, reason] of BAD_IDENTITIES) {
    server(
      '/api/add_user_properties',
      `identity ${JSON.stringify(identity)?.slice(0, 20)}`,
      { identity, properties: { a: 1 } },
      400,
      reason,
    );
    server('/api/track', `identity ${JSON.stringify(identity)?.slice(0, 20)}`, { identity, event: 'x' }, 400, reason);
    server('/api/v1/identify', `identity ${JSON.stringify(identity)?.slice(0, 20)}`, { user_id: '42', identity }, 400, reason);
  }
  server('/api/add_user_properties', 'no identity', { properties: { a: 1 } }, 400, 'missing_identity');
  server('/api/add_user_properties', '100,000 properties', { identity: 'a', properties: many(100_000) }, 400, 'too_long');
  server('/api/add_user_properties', 'properties null-ish', { identity: 'a', properties: [] }, 400, 'invalid_type');
  server(
    '/api/add_user_properties',
    'negative timestamp',
    { identity: 'a', properties: { a: 1 }, timestamp: '-2000-01-01T00:00:00Z' },
    400,
    'invalid_timestamp',
  );
  server(
    '/api/add_user_properties',
    'far-future timestamp',
    { identity: 'a', properties: { a: 1 }, timestamp: '2999-01-01T00:00:00Z' },
    400,
    'invalid_timestamp',
  );
  server(
    '/api/add_user_properties',
    'numeric timestamp',
    { identity: 'a', properties: { a: 1 }, timestamp: 1780000000 },
    400,
    'invalid_timestamp',
  );
  server('/api/track', 'no identity or user id', { event: 'x' }, 400, 'missing_identity');
  server('/api/track', 'user_id SQL', { user_id: '1 OR 1=1', event: 'x' }, 400, 'invalid_type');
  server('/api/track', 'identity with NUL', { identity: 'nul\u0000@example.com', event: 'x' }, 400, 'invalid_message');
  server('/api/track', 'event with NUL', { identity: 'a@example.com', event: 'ev\u0000il' }, 400, 'invalid_message');
  server(
    '/api/track',
    'idempotency key with NUL',
    { identity: 'a@example.com', event: 'x', idempotency_key: 'a\u0000b' },
    400,
    'invalid_message',
  );
  server(
    '/api/add_user_properties',
    'key with NUL',
    { identity: 'a@example.com', properties: { 'a\u0000b': 'x' } },
    400,
    'invalid_message',
  );
  server('/api/v1/identify', 'identity with NUL', { user_id: '1001', identity: 'n\u0000l' }, 400, 'invalid_message');
  server('/api/track', 'event with a lone surrogate', { identity: 'a@example.com', event: 'E\ud800' }, 400, 'invalid_message');
  server(
    '/api/add_user_properties',
    'dotted prototype key',
    { identity: 'a@example.com', properties: { '__proto__.polluted': 1 } },
    400,
    'reserved_key',
  );
  server('/api/track', 'event 1025 chars', { identity: 'a', event: 'e'.repeat(1025) }, 400, 'too_long');
  server('/api/track', 'idempotency key object', { identity: 'a', event: 'x', idempotency_key: {} }, 400, 'invalid_message');
  server(
    '/api/track',
    'idempotency key 300 chars',
    { identity: 'a', event: 'x', idempotency_key: 'k'.repeat(300) },
    400,
    'invalid_message',
  );
  server('/api/v1/identify', 'user_id missing', { identity: 'alice' }, 400, 'invalid_type');
  server('/api/v1/identify', 'user_id huge', { user_id: '99999999999999999999', identity: 'alice' }, 400, 'invalid_type');
  server(
    '/api/track',
    'bulk of 1001',
    { events: Array.from({ length: 1001 }, () => ({ identity: 'a', event: 'x' })) },
    413,
    'too_many_items',
  );
  server('/api/track', 'bulk empty', { events: [] }, 400, 'invalid_request');
  server('/api/track', 'bulk not array', { events: 'x' }, 400, 'invalid_request');
  server(
    '/api/add_user_properties',
    'bulk of 1001',
    { users: Array.from({ length: 1001 }, () => ({ identity: 'a', properties: {} })) },
    413,
    'too_many_items',
  );
  server('/api/add_user_properties', 'bulk empty', { users: [] }, 400, 'invalid_request');

  // Reads.
  const read = (name: string, path: string, status: number, code: string, auth = true) =>
    add({ name: `read: ${name}`, method: 'GET', path, status, code, auth });
  read('no key', '/api/v1/users?app_id=demo', 401, 'missing_key', false);
  read('unknown app', '/api/v1/users?app_id=ghost', 404, 'unknown_app');
  read('no app', '/api/v1/users', 400, 'invalid_app_id');
  read('app twice', '/api/v1/users?app_id=demo&app_id=demo', 400, 'invalid_request');
  read('identity with NUL', '/api/v1/users?app_id=demo&identity=a%00b', 400, 'invalid_request');
  read('search with NUL', '/api/v1/users?app_id=demo&q=%00', 400, 'invalid_request');
  read('filter with NUL', '/api/v1/users?app_id=demo&filter=plan%3D%00', 400, 'invalid_request');
  read('breakdown property with NUL', '/api/v1/charts/breakdown?app_id=demo&property=p%00', 400, 'invalid_request');
  read('timeseries event with NUL', '/api/v1/charts/timeseries?app_id=demo&property=p&event=e%00', 400, 'invalid_request');
  read('user id SQL', `/api/v1/users/${encodeURIComponent("1' OR '1'='1")}?app_id=demo`, 400, 'invalid_request');
  read('unknown user', '/api/v1/users/123456?app_id=demo', 404, 'user_not_found');
  read('identity blocklisted', '/api/v1/users?app_id=demo&identity=guest', 400, 'blocklisted');
  read('identity too long', `/api/v1/users?app_id=demo&identity=${'x'.repeat(300)}`, 400, 'too_long');
  read('limit negative', '/api/v1/users?app_id=demo&limit=-1', 400, 'invalid_request');
  read('limit huge', '/api/v1/users?app_id=demo&limit=1e9', 400, 'invalid_request');
  read('11 filters', `/api/v1/users?app_id=demo${'&filter=a%3Db'.repeat(11)}`, 400, 'invalid_request');
  read('filter without =', '/api/v1/users?app_id=demo&filter=plan', 400, 'invalid_request');
  read('breakdown no property', '/api/v1/charts/breakdown?app_id=demo', 400, 'invalid_request');
  read('timeseries bad interval', '/api/v1/charts/timeseries?app_id=demo&property=p&interval=year', 400, 'invalid_request');
  read('timeseries bad from', '/api/v1/charts/timeseries?app_id=demo&property=p&from=yesterday', 400, 'invalid_request');
  read('events of unknown user', '/api/v1/users/77/events?app_id=demo', 404, 'user_not_found');
  read('warnings of bad user', '/api/v1/warnings?app_id=demo&user_id=abc', 400, 'invalid_request');
  read('unknown route', '/api/v1/admin', 404, 'not_found');
  read('limit in exponent form', '/api/v1/users?app_id=demo&limit=1e2', 400, 'invalid_request');
  read('limit in hex', '/api/v1/users?app_id=demo&limit=0x10', 400, 'invalid_request');
  read('timeseries from a bare number', '/api/v1/charts/timeseries?app_id=demo&property=p&from=1', 400, 'invalid_request');
  read('timeseries from without a zone', '/api/v1/charts/timeseries?app_id=demo&property=p&from=2026-01-01T10:00', 400, 'invalid_request');
  read('malformed percent-encoding', '/api/v1/users/%E0%A4%A?app_id=demo', 400, 'invalid_request');
  read('path traversal', '/api/v1/users/..%2F..%2Fetc%2Fpasswd?app_id=demo', 400, 'invalid_request');
  return cases;
}
