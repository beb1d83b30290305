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
