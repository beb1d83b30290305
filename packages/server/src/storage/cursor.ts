/** Keyset pagination for the Users view: (last seen, user id), as an opaque base64url token. */
export interface UserCursor {
  lastSeen: number;
  userId: string;
}

export function encodeCursor(c: UserCursor): string {
  return Buffer.from(`${c.lastSeen}:${c.userId}`).toString('base64url');
}

export function decodeCursor(token: string | null | undefined): UserCursor | null {
  if (!token) return null;
  const text = Buffer.from(token, 'base64url').toString();
  const m = /^(-?\d{1,16}):(\d{1,16})$/.exec(text);
  return m ? { lastSeen: Number(m[1]), userId: m[2] as string } : null;
}

/** Keyset pagination for a person's events: (time, storage sequence) of the last event of a page. */
export interface EventCursor {
  time: number;
  seq: number;
}

export function encodeEventCursor(c: EventCursor): string {
  return Buffer.from(`e${c.time}:${c.seq}`).toString('base64url');
}

/** The cursor, or null when `token` is not one this collector made (the caller answers 400). */
export function decodeEventCursor(token: string): EventCursor | null {
  const m = /^e(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(token, 'base64url').toString());
  return m ? { time: Number(m[1]), seq: Number(m[2]) } : null;
}
