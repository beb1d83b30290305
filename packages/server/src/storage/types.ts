import type { PropertyValue } from '@idem/core';
import type { AdminStorage } from './admin-types.js';
import type { EventCursor } from './cursor.js';

/**
 * The storage interface. The engine (src/engine) holds the logic and calls these primitives inside
 * one transaction per batch; SQLite and PostgreSQL implement them with the same schema. Every method
 * is scoped by app id: user ids are unique per app only.
 */
export interface UserRow {
  userId: string;
  /** The user this user id belongs to now (itself unless merged): merges are links (DESIGN.md). */
  rootId: string;
  identity: string | null;
  serverCreated: boolean;
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface StoredProperty {
  key: string;
  value: PropertyValue;
  time: number;
  seq: number;
}

export interface EventRow {
  id: string;
  userId: string;
  sessionId: string | null;
  type: 'pageview' | 'track';
  name: string;
  properties: Record<string, PropertyValue>;
  time: number;
  url: string | null;
}

export interface WarningRow {
  messageId: string | null;
  userId: string | null;
  identity: string | null;
  reason: string;
  detail: string;
  time: number;
}

export interface Tx {
  getUser(app: string, userId: string): Promise<UserRow | null>;
  /** The root user that holds an identity, or null. */
  findByIdentity(app: string, identity: string): Promise<UserRow | null>;
  /** Inserts a user id that does not exist yet (its own root). */
  createUser(app: string, user: { userId: string; identity: string | null; serverCreated: boolean; time: number }): Promise<void>;
  setIdentity(app: string, rootId: string, identity: string): Promise<void>;
  /** Widens first/last seen of a root user to include `time`. */
  touchSeen(app: string, rootId: string, time: number): Promise<void>;
  /** Client user ids attached to an identity with a time in (from, to]. */
  countAttachments(app: string, identity: string, from: number, to: number): Promise<number>;
  addAttachment(app: string, identity: string, userId: string, time: number): Promise<void>;
  /**
   * Links every user id of root `from` to root `into` and records the merge. Touches user rows only,
   * never events, so its cost does not grow with the events of the merged user.
   */
  linkMerge(app: string, from: string, into: string, time: number, messageId: string | null): Promise<void>;
  /** Moves the per-root summaries (current properties, event counts, seen times) of `from` into `into`. */
  foldSummaries(
    app: string,
    from: string,
    into: string,
    pick: (key: string, a: StoredProperty, b: StoredProperty) => StoredProperty,
  ): Promise<void>;
  /** Stores an event; false when an event with this id exists already (a retry). */
  insertEvent(app: string, rootId: string, event: EventRow): Promise<boolean>;
  /**
   * Whether a message id was stored before, as an event (its user id) or another message (true), else
   * null. Checked before anything is written, so a repeat creates no user; ids are one namespace.
   */
  messageSeen(app: string, id: string): Promise<string | true | null>;
  /** Records a non-event message id; false when it was seen before (a retry). */
  claimMessageId(app: string, id: string): Promise<boolean>;
  /** Appends a property write to the log and returns its sequence number. */
  writeProperty(app: string, userId: string, key: string, value: PropertyValue, time: number): Promise<number>;
  getCurrentProperty(app: string, rootId: string, key: string): Promise<StoredProperty | null>;
  setCurrentProperty(app: string, rootId: string, prop: StoredProperty): Promise<void>;
  addWarning(app: string, warning: WarningRow): Promise<void>;
}

export interface UserSummary {
  userId: string;
  identity: string | null;
  firstSeen: number | null;
  lastSeen: number | null;
  properties: Record<string, PropertyValue>;
  mergedUserIds: string[];
  sessions: number;
}

export interface ListUsersQuery {
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string | null;
  /** Matches identity or user id (prefix), case-insensitive for identity. */
  search?: string | null;
  /** Property equality filters (value compared as text). */
  filters?: { key: string; value: string }[];
}

export interface BreakdownQuery {
  property: string;
  /** Only users who did this event, when set. */
  event?: string | null;
  filters?: { key: string; value: string }[];
  limit?: number;
}

export interface EventsQuery {
  limit: number;
  /** 'oldest' first (the default) or 'newest' first. */
  order?: 'oldest' | 'newest';
  /** Where the previous page in the same order ended. */
  after?: EventCursor | null;
}

export interface TimeseriesQuery extends BreakdownQuery {
  /** Bucket size; users are counted by first seen. */
  interval: 'day' | 'week';
  from: number;
  to: number;
}

export interface Storage extends Partial<AdminStorage> {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction; concurrent callers on other instances must stay correct.
   * PostgreSQL runs `fn` again after a lost race (deadlock, serialization failure), so `fn` must
   * have no effects outside `tx`.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Serialises work on one identity across instances (PostgreSQL: an advisory lock for the rest of
   * the transaction). SQLite has one writer already, so it is a no-op there.
   */
  lockIdentity(tx: Tx, app: string, identity: string): Promise<void>;
  /**
   * Serialises work on one user id across instances: its creation, and the summaries (current
   * properties, counts, seen times) of a root user. Optional: a no-op where there is one writer.
   */
  lockUser?(tx: Tx, app: string, userId: string): Promise<void>;
  getUser(app: string, userId: string): Promise<UserRow | null>;
  getUserByIdentity(app: string, identity: string): Promise<UserRow | null>;
  summary(app: string, rootId: string): Promise<UserSummary | null>;
  listUsers(app: string, query: ListUsersQuery): Promise<{ users: UserSummary[]; nextCursor: string | null }>;
  /** Every root user of an app with its events; for `idem replay` and exports. */
  allRootIds(app: string): Promise<string[]>;
  /** A page of a person's events (all their user ids) in time order, oldest or newest first. */
  events(app: string, rootId: string, query: EventsQuery): Promise<{ events: EventRow[]; next: EventCursor | null }>;
  warnings(app: string, filter: { userIds?: string[]; limit: number }): Promise<(WarningRow & { seq: number })[]>;
  propertyKeys(app: string): Promise<string[]>;
  eventNames(app: string): Promise<string[]>;
  breakdown(app: string, query: BreakdownQuery): Promise<{ value: string; users: number }[]>;
  timeseries(app: string, query: TimeseriesQuery): Promise<{ bucket: string; value: string; users: number }[]>;
  close(): Promise<void>;
}
