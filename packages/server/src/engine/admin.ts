import { formatTime, winningWrite } from '@idem/core';
import type { Clock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { AdminStorage, AdminTx, ExportRows } from '../storage/admin-types.js';
import type { Storage, UserRow } from '../storage/types.js';

/**
 * "Beyond Heap": merges taken back, people deleted and exported, each with an audit record of who
 * asked. Merges are links (decision 0002), so an unmerge relinks one user id and recomputes the two
 * people's summaries from the logs; no event is rewritten.
 */
export class Admin {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  private ops(): AdminStorage {
    const s = this.storage;
    if (!s.adminTransaction || !s.audit)
      throw new ApiError(501, 'not_supported', `this storage (${s.kind}) does not support admin operations yet`);
    return s as Storage & AdminStorage;
  }

  /** Splits one merged user id back out of the user it joined; it becomes an anonymous user again. */
  async unmerge(app: string, userId: string, actor: string): Promise<{ userId: string; from: string }> {
    return this.ops().adminTransaction(async (tx) => {
      const user = await this.lockPerson(tx, app, userId);
      if (user.rootId === user.userId) throw new ApiError(409, 'not_merged', `user ${userId} was not merged into another user`);
      await this.split(tx, app, userId, user.rootId);
      await tx.rebuildSummaries(app, user.rootId, winningWrite);
      await tx.addAudit(app, {
        action: 'unmerge',
        target: userId,
        actor,
        detail: `split ${userId} out of ${user.rootId}`,
        time: this.clock.now(),
      });
      return { userId, from: user.rootId };
    });
  }

  /** Undoes every merge into the user holding `identity` (a non-unique identity that merged strangers). */
  async splitIdentity(app: string, identity: string, actor: string): Promise<{ userId: string; split: string[] }> {
    return this.ops().adminTransaction(async (tx) => {
      const found = await tx.findByIdentity(app, identity);
      if (!found) throw new ApiError(404, 'user_not_found', 'no user has this identity');
      const owner = await this.lockPerson(tx, app, found.userId);
      const split = (await tx.members(app, owner.userId)).filter((id) => id !== owner.userId);
      for (const id of split) await this.split(tx, app, id, owner.userId);
      await tx.rebuildSummaries(app, owner.userId, winningWrite);
      await tx.addAudit(app, {
        action: 'split',
        target: identity,
        actor,
        detail: `split ${split.length} user ids out of ${owner.userId}`,
        time: this.clock.now(),
      });
      return { userId: owner.userId, split };
    });
  }

  /** Deletes a person: every merged user id, with its events, properties, merges and warnings. */
  async deletePerson(app: string, userId: string, actor: string): Promise<{ userIds: string[]; events: number }> {
    return this.ops().adminTransaction(async (tx) => {
      const user = await this.lockPerson(tx, app, userId);
      const userIds = await tx.members(app, user.rootId);
      const { events } = await tx.deleteUsers(app, userIds);
      // The audit record names user ids only: the identity was personal data and is gone.
      await tx.addAudit(app, {
        action: 'delete',
        target: user.rootId,
        actor,
        detail: `deleted user ids ${userIds.join(', ')} and ${events} events`,
        time: this.clock.now(),
      });
      return { userIds, events };
    });
  }

  /** Everything stored about a person, as JSON-ready data. */
  async exportPerson(app: string, userId: string, actor: string) {
    return this.ops().adminTransaction(async (tx) => {
      const user = await tx.getUser(app, userId);
      if (!user) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
      const rows = await tx.exportRows(app, await tx.members(app, user.rootId));
      await tx.addAudit(app, {
        action: 'export',
        target: user.rootId,
        actor,
        detail: `exported ${rows.events.length} events`,
        time: this.clock.now(),
      });
      return exportJson(app, user.rootId, rows, this.clock.now());
    });
  }

  async auditLog(app: string, limit: number) {
    return (await this.ops().audit(app, limit)).map((a) => ({ ...a, time: formatTime(a.time) }));
  }

  /**
   * Locks a person before changing them (PostgreSQL; SQLite runs one transaction at a time): their root
   * user id, then the identity it holds, the order the engine takes for a merge into an owner. Without
   * the identity lock, a server call for the identity could read the owner while it is being deleted and
   * then write to a user that no longer exists. Returns the user as it is once the locks are held.
   */
  private async lockPerson(tx: AdminTx, app: string, userId: string): Promise<UserRow> {
    const user = await tx.getUser(app, userId);
    if (!user) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
    await this.storage.lockUser?.(tx, app, user.rootId);
    const root = await tx.getUser(app, user.rootId);
    if (root?.identity) await this.storage.lockIdentity(tx, app, root.identity);
    const locked = await tx.getUser(app, userId);
    if (!locked) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
    return locked;
  }

  private async split(tx: AdminTx, app: string, userId: string, from: string) {
    await tx.unlink(app, userId, this.clock.now());
    await tx.rebuildSummaries(app, userId, winningWrite);
    if (from === userId) throw new Error('unreachable: a root cannot be split from itself');
  }
}

function exportJson(app: string, userId: string, rows: ExportRows, now: number) {
  const root = rows.users.find((u) => u.userId === userId);
  return {
    exported_at: formatTime(now),
    app_id: app,
    user_id: userId,
    identity: root?.identity ?? null,
    user_ids: rows.users.map((u) => ({ user_id: u.userId, server_created: u.serverCreated })),
    events: rows.events.map((e) => ({
      id: e.id,
      user_id: e.userId,
      session_id: e.sessionId,
      type: e.type,
      event: e.name,
      properties: e.properties,
      time: formatTime(e.time),
      url: e.url,
    })),
    property_writes: rows.propertyWrites.map((p) => ({ user_id: p.userId, key: p.key, value: p.value, time: formatTime(p.time) })),
    merges: rows.merges.map((m) => ({
      from: m.from,
      into: m.into,
      time: formatTime(m.time),
      undone_at: m.undoneAt === null ? null : formatTime(m.undoneAt),
    })),
    warnings: rows.warnings.map((w) => ({
      user_id: w.userId,
      identity: w.identity,
      reason: w.reason,
      detail: w.detail,
      time: formatTime(w.time),
    })),
  };
}
