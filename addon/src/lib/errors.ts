/**
 * Errors that carry an HTTP-ish status, so the API, MQTT and Node-RED answer the same way:
 * 404 unknown thing, 409 valid request the current state refuses, 400 malformed input,
 * 502 the camera answered badly. Messages must already be free of secrets.
 */
export class LookoutError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LookoutError';
  }
}

export const notFound = (what: string) => new LookoutError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new LookoutError(409, 'conflict', message);
export const badRequest = (message: string) => new LookoutError(400, 'bad_request', message);
