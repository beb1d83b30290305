import type { PropertyValue } from '@idem/core';
import type { EventRow, StoredProperty, Tx, UserRow, WarningRow } from './types.js';

/**
 * What "Beyond Heap" needs besides ingestion: taking merges back, deleting a person, exporting a
 * person's data, and an audit record of who asked. Kept apart from Tx so the hot path stays small.
 */
export interface AuditEntry {
  action: 'unmerge' | 'split' | 'delete' | 'export';
  target: string;
  actor: string;
  detail: string;
  time: number;
}

export interface ExportRows {
  users: UserRow[];
  events: EventRow[];
  propertyWrites: (StoredProperty & { userId: string })[];
  merges: { from: string; into: string; time: number; undoneAt: number | null }[];
  warnings: WarningRow[];
}

export interface AdminTx extends Tx {
  /** Every user id whose root is `rootId`, the root included. */
  members(app: string, rootId: string): Promise<string[]>;
  /**
   * Takes one merged user id back out of its root: it becomes its own anonymous root again, its merge
   * rows are marked undone and its identity attachments removed (they no longer count for R9).
   */
  unlink(app: string, userId: string, time: number): Promise<void>;
  /** Recomputes a root's summaries (current properties, event counts, first/last seen) from the logs. */
  rebuildSummaries(app: string, rootId: string, pick: (key: string, a: StoredProperty, b: StoredProperty) => StoredProperty): Promise<void>;
  /** Deletes user ids with their events, property writes, summaries, merges, attachments and warnings. */
  deleteUsers(app: string, userIds: string[]): Promise<{ events: number }>;
  exportRows(app: string, userIds: string[]): Promise<ExportRows>;
  addAudit(app: string, entry: AuditEntry): Promise<void>;
}

export interface AdminStorage {
  adminTransaction<T>(fn: (tx: AdminTx) => Promise<T>): Promise<T>;
  audit(app: string, limit: number): Promise<(AuditEntry & { seq: number })[]>;
}

export type { PropertyValue };
