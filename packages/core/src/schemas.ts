import { MAX_IDENTITY_LENGTH } from './identity.js';
import { MAX_KEY_LENGTH, MAX_SERVER_EVENT_NAME } from './properties.js';
import { APP_ID, MAX_BATCH_MESSAGES, MAX_URL_LENGTH, MESSAGE_ID } from './wire.js';

/**
 * JSON Schemas of the wire format, written once here and dumped to docs/schemas/ by
 * `pnpm --filter @idem/core schemas`. They describe the shapes; the rules themselves (blocklist,
 * reserved keys, truncation) are enforced by the validators in this package, which the collector
 * runs on every message, so a schema-valid message can still be refused with a rule's reason.
 */
export function wireSchemas() {
  // Built on demand inside a function so bundlers drop all of it from code that never asks (the SDK).
  const userId = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$', description: 'Decimal integer in [0, 2^53-1] (R1).' };
  const time = { type: 'string', format: 'date-time', description: 'ISO 8601 with a time zone.' };
  const properties = {
    type: 'object',
    description: `Keys 1-${MAX_KEY_LENGTH} characters, not user_id/id; values string, finite number, boolean or a nested object (flattened with dots).`,
    additionalProperties: { type: ['string', 'number', 'boolean', 'object'] },
  };
  const identity = {
    type: ['string', 'number'],
    maxLength: MAX_IDENTITY_LENGTH,
    description: 'Trimmed; blocklisted values are refused (R4).',
  };
  const appId = { type: 'string', pattern: APP_ID.source };

  const common = {
    id: { type: 'string', pattern: MESSAGE_ID.source, description: 'Client-made; a repeated id is stored once.' },
    user_id: userId,
    time,
  };

  const messageSchemas = {
    pageview: {
      type: 'object',
      required: ['type', 'id', 'user_id', 'session_id', 'time', 'url'],
      properties: {
        type: { const: 'pageview' },
        ...common,
        session_id: userId,
        url: { type: 'string', maxLength: MAX_URL_LENGTH },
        referrer: { type: 'string', maxLength: MAX_URL_LENGTH },
      },
    },
    track: {
      type: 'object',
      required: ['type', 'id', 'user_id', 'session_id', 'time', 'event'],
      properties: {
        type: { const: 'track' },
        ...common,
        session_id: userId,
        event: { type: 'string', minLength: 1, maxLength: 255 },
        properties,
      },
    },
    identify: {
      type: 'object',
      required: ['type', 'id', 'user_id', 'session_id', 'time', 'identity'],
      properties: { type: { const: 'identify' }, ...common, session_id: userId, identity, signature: { type: 'string', maxLength: 256 } },
    },
    user_properties: {
      type: 'object',
      required: ['type', 'id', 'user_id', 'time', 'properties'],
      properties: { type: { const: 'user_properties' }, ...common, properties },
    },
  } as const;

  const batchSchema = {
    $id: 'idem/batch.json',
    title: 'Browser ingestion batch (POST /api/v1/batch)',
    type: 'object',
    required: ['app_id', 'messages'],
    properties: {
      app_id: appId,
      sent_at: { ...time, description: 'Client clock when sent; the collector corrects message times by the skew.' },
      messages: { type: 'array', minItems: 1, maxItems: MAX_BATCH_MESSAGES, items: { oneOf: Object.values(messageSchemas) } },
    },
  } as const;

  const serverTrack = {
    type: 'object',
    required: ['event'],
    properties: {
      identity,
      user_id: userId,
      event: { type: 'string', minLength: 1, maxLength: MAX_SERVER_EVENT_NAME },
      properties,
      timestamp: time,
      idempotency_key: { type: 'string', minLength: 1, maxLength: 255 },
    },
  } as const;

  const serverProps = {
    type: 'object',
    required: ['identity', 'properties'],
    properties: { identity, properties, timestamp: time },
  } as const;

  const serverSchemas = {
    track: {
      $id: 'idem/track.json',
      title: 'POST /api/track',
      ...serverTrack,
      required: ['app_id', 'event'],
      properties: { app_id: appId, ...serverTrack.properties },
    },
    trackBulk: {
      $id: 'idem/track-bulk.json',
      title: 'POST /api/track (bulk)',
      type: 'object',
      required: ['app_id', 'events'],
      properties: { app_id: appId, events: { type: 'array', minItems: 1, maxItems: 1000, items: serverTrack } },
    },
    addUserProperties: {
      $id: 'idem/add-user-properties.json',
      title: 'POST /api/add_user_properties',
      ...serverProps,
      required: ['app_id', 'identity', 'properties'],
      properties: { app_id: appId, ...serverProps.properties },
    },
    addUserPropertiesBulk: {
      $id: 'idem/add-user-properties-bulk.json',
      title: 'POST /api/add_user_properties (bulk)',
      type: 'object',
      required: ['app_id', 'users'],
      properties: { app_id: appId, users: { type: 'array', minItems: 1, maxItems: 1000, items: serverProps } },
    },
    identify: {
      $id: 'idem/identify.json',
      title: 'POST /api/v1/identify',
      type: 'object',
      required: ['app_id', 'user_id', 'identity'],
      properties: { app_id: appId, user_id: userId, identity, timestamp: time },
    },
  } as const;
  return { messageSchemas, batchSchema, serverSchemas };
}
