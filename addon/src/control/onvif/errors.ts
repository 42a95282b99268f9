/**
 * Classifies what the onvif library throws (plain Errors with a message, sometimes a socket
 * `code`) and turns it into LookoutErrors the API can answer with: 502 for anything the camera
 * did, with the fault text but never a secret.
 */
import { LookoutError } from '../../lib/errors.js';
import { urlRedactor } from '../../lib/redact.js';

export type FaultKind = 'auth' | 'network' | 'fault';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// WS-Security refusals (ter:NotAuthorized, "Sender not Authorized"), HTTP digest refusals, and
// the replay/time-check wordings cameras use when our Created stamp is off their clock.
const AUTH_RE =
  /not ?authori[sz]ed|digest authentication failed|authority failure|time check|unauthori[sz]ed/i;
const NETWORK_RE = /network timeout|socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT/i;

export function classify(err: unknown): FaultKind {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'network';
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  if (AUTH_RE.test(msg)) return 'auth';
  if (NETWORK_RE.test(msg)) return 'network';
  return 'fault';
}

/**
 * Fault text without the library's prefix, with the given secrets and URL credentials masked (the
 * logger and the API answer pass the app's redactor again).
 */
export function faultText(err: unknown, secrets: readonly string[] = []): string {
  let msg = (err instanceof Error ? err.message : String(err)).replace(/^ONVIF SOAP Fault:\s*/, '').trim();
  for (const s of secrets) if (s.length > 0) msg = msg.split(s).join('***');
  msg = urlRedactor.redact(msg);
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg || 'unknown error';
}

/** Camera-side failure (502). `kind` lets callers (event loop, PTZ) decide whether to retry. */
export class CameraFault extends LookoutError {
  constructor(
    readonly kind: FaultKind | 'unsupported',
    message: string,
  ) {
    super(
      kind === 'unsupported' ? 409 : 502,
      kind === 'auth'
        ? 'camera_auth'
        : kind === 'network'
          ? 'camera_unreachable'
          : kind === 'unsupported'
            ? 'conflict'
            : 'camera_fault',
      message,
    );
    this.name = 'CameraFault';
  }
}
