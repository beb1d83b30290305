import type { UserRow } from '../types.js';

interface Touch {
  app: string;
  userId: string;
  first: number;
  last: number;
}

const key = (app: string, userId: string) => `${app}\u0000${userId}`;

/**
 * What one transaction knows about user rows beyond the database: the seen times it widened but has
 * not written yet (written in one statement before COMMIT), and rows it read while holding their
 * user lock (no other transaction can change those until it ends). Both save a round trip for
 * almost every message of a batch; reads through the transaction see them applied.
 */
export class PendingUsers {
  private readonly touches = new Map<string, Touch>();
  private readonly rows = new Map<string, UserRow>();

  touch(app: string, userId: string, time: number): void {
    const k = key(app, userId);
    const t = this.touches.get(k);
    if (t) {
      t.first = Math.min(t.first, time);
      t.last = Math.max(t.last, time);
    } else this.touches.set(k, { app, userId, first: time, last: time });
  }

  /** A row as this transaction sees it: the stored row with the pending seen times applied. */
  view(app: string, row: UserRow | null): UserRow | null {
    if (!row) return null;
    const t = this.touches.get(key(app, row.userId));
    if (!t) return row;
    return {
      ...row,
      firstSeen: row.firstSeen === null ? t.first : Math.min(row.firstSeen, t.first),
      lastSeen: row.lastSeen === null ? t.last : Math.max(row.lastSeen, t.last),
    };
  }

  cached(app: string, userId: string): UserRow | undefined {
    return this.rows.get(key(app, userId));
  }

  remember(app: string, row: UserRow): void {
    this.rows.set(key(app, row.userId), row);
  }

  /** After a write to users other than seen times: forget what may have changed. */
  forget(app: string, userId: string | null): void {
    if (userId === null) this.rows.clear();
    else this.rows.delete(key(app, userId));
  }

  /** The pending seen times as columns for one UPDATE ... FROM unnest(...), then none. */
  drain(): { apps: string[]; userIds: string[]; firsts: number[]; lasts: number[] } | null {
    if (this.touches.size === 0) return null;
    const list = [...this.touches.values()].sort((a, b) => (a.app === b.app ? (a.userId < b.userId ? -1 : 1) : a.app < b.app ? -1 : 1));
    this.touches.clear();
    return {
      apps: list.map((t) => t.app),
      userIds: list.map((t) => t.userId),
      firsts: list.map((t) => t.first),
      lasts: list.map((t) => t.last),
    };
  }
}
