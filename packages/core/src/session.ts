/** R3: a session ends after 30 minutes without a pageview, track or identify on that device. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

export function sessionExpired(lastActivity: number, now: number): boolean {
  return now - lastActivity >= SESSION_TIMEOUT_MS || now < lastActivity - SESSION_TIMEOUT_MS;
}
