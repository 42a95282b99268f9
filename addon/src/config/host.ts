/**
 * Host value type: a host name, an IPv4 address or an IPv6 address (brackets optional).
 * Common mistakes get their own message: a URL, a `host:port`, a path, or credentials in the host.
 */
import { isIPv6 } from 'node:net';
import { ValueError, quote } from './errors.js';

/** Mirrored by `$defs/host` in the schema; IPv6 needs at least two colons, so `host:554` fails. */
export const HOST_PATTERN =
  '^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?|\\[?[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9]+)?\\]?)$';
const NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export interface Host {
  /** As written, without IPv6 brackets. */
  name: string;
  /** The form that goes into a URL authority: IPv6 in brackets. */
  urlHost: string;
}

export function parseHost(input: unknown): Host {
  if (typeof input !== 'string' || input === '') throw new ValueError('host must be a non-empty string');
  // Never quote a value containing '@': it is probably user:password@host.
  if (input.includes('@')) {
    throw new ValueError('host must not contain credentials ("user:pass@"); put them under credentials');
  }
  if (input.includes('://')) {
    throw new ValueError(
      `host ${quote(input)} is a URL; give the bare host name or IP here, or put the full URL in profiles.<name>.url`,
    );
  }
  if (/[/?#]/.test(input))
    throw new ValueError(`host ${quote(input)} must not contain a path; use profiles.<name>.path`);
  const bare = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (isIPv6(bare)) return { name: bare, urlHost: `[${bare}]` };
  if (input.includes(':')) {
    throw new ValueError(
      `host ${quote(input)} must not include a port; set rtsp_port (or onvif.port) instead`,
    );
  }
  if (!NAME_RE.test(input))
    throw new ValueError(`host ${quote(input)} is not a valid host name or IP address`);
  return { name: input, urlHost: input };
}
