/**
 * The API's refusals: a stable `code` clients switch on, an HTTP status, and a message a person can
 * act on. Domain errors (RecordsError) are mapped here by code; nothing else reaches a client.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

/** Status for a RecordsError code. Unknown codes are refusals (400): the domain only throws what a caller can fix. */
export function statusForCode(code: string): number {
  if (code === 'invalid-input') return 400;
  if (code === 'forbidden') return 403;
  if (code.endsWith('-not-found')) return 404;
  if (code === 'records-locked') return 503;
  if (
    code.endsWith('-exists') ||
    code.endsWith('-revoked') ||
    code.endsWith('-ended') ||
    code === 'maintenance-started' ||
    code === 'maintenance-not-started' ||
    code === 'checklist-incomplete' ||
    code === 'last-checkpoint' ||
    code === 'illegal-transition' ||
    code === 'no-assignee' ||
    code === 'device-not-tripped' ||
    code === 'conflict'
  ) {
    return 409;
  }
  return 400;
}
