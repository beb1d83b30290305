/** Every error answer is `{"error": {"code", "message"}}` with a 4xx (or 5xx) status; codes are in docs/contracts.md. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, for a 429's Retry-After header. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
