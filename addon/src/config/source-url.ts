/**
 * Stream URLs are built from parts, never by string concatenation: the user writes credentials in
 * plain text and this module percent-encodes them into the URL (FIELD-NOTES #12: passwords with `)`
 * or `#` broke hand-built RTSP URLs). Two forms come out: sourceUrl (SECRET, with credentials) for
 * FFmpeg, displayUrl (no credentials, sensitive query values masked) for logs, API and explain.
 */
import type { Credentials } from '../contracts/config.js';
import { isSensitiveParam } from '../lib/redact.js';
import { ValueError } from './errors.js';
import type { Host } from './host.js';

export const SOURCE_SCHEMES = ['rtsp', 'rtsps', 'srt', 'http', 'https', 'rtmp', 'file'] as const;
export const HTTP_SCHEMES = ['http', 'https', 'file'] as const;
/** Schemes whose URLs carry user:password@; srt (passphrase in the query) and file do not. */
const USERINFO_SCHEMES = new Set(['rtsp', 'rtsps', 'rtmp', 'http', 'https']);

export interface BuiltUrl {
  sourceUrl: string;
  displayUrl: string;
}

/**
 * Strict RFC 3986 encoding for userinfo: encodeURIComponent leaves `!'()*` alone, and a bare `)`
 * is exactly what broke RTSP clients on the ancestor system.
 */
export function encodeUserinfo(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Throws unless the URL's scheme is one of `allowed`. Never quotes the URL: it may hold a password. */
export function checkUrlScheme(url: string, allowed: readonly string[]): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  if (scheme === undefined) {
    throw new ValueError(`is not a URL: expected <scheme>://..., with scheme one of ${allowed.join(', ')}`);
  }
  if (!allowed.includes(scheme)) {
    throw new ValueError(`unsupported URL scheme "${scheme}"; use one of ${allowed.join(', ')}`);
  }
}

function parseUrl(url: string, allowed: readonly string[]): URL {
  checkUrlScheme(url, allowed);
  try {
    return new URL(url);
  } catch {
    const hint = url.includes('@')
      ? ' (a password with special characters breaks URLs: move it under credentials and Lookout encodes it)'
      : '';
    throw new ValueError(`is not a valid URL${hint}`);
  }
}

function withCredentials(u: URL, credentials: Credentials | null): BuiltUrl {
  const scheme = u.protocol.slice(0, -1);
  if (credentials && USERINFO_SCHEMES.has(scheme)) {
    u.username = encodeUserinfo(credentials.username);
    u.password = encodeUserinfo(credentials.password);
  }
  return { sourceUrl: u.href, displayUrl: toDisplayUrl(u) };
}

/** A profile's `url`, with the camera's credentials encoded into it (if any). */
export function buildFromUrl(url: string, credentials: Credentials | null): BuiltUrl {
  const u = parseUrl(url, SOURCE_SCHEMES);
  if (credentials && (u.username !== '' || u.password !== '')) {
    throw new ValueError(
      'credentials are given twice, inside the URL and under credentials; remove them from the URL (Lookout encodes credentials into it)',
    );
  }
  return withCredentials(u, credentials);
}

/** host + rtsp_port + path (path may carry a query, e.g. `/cam/realmonitor?channel=1&subtype=0`). */
export function buildFromPath(
  host: Host,
  port: number,
  path: string,
  credentials: Credentials | null,
): BuiltUrl {
  return withCredentials(new URL(path, `rtsp://${host.urlHost}:${port}`), credentials);
}

/** Validates an http(s) URL such as snapshot_url; credentials belong in HTTP auth, not in it. */
export function checkHttpUrl(url: string): BuiltUrl {
  const u = parseUrl(url, HTTP_SCHEMES);
  if (u.username !== '' || u.password !== '') {
    throw new ValueError(
      "must not contain credentials: set the camera's credentials instead (sent as HTTP authentication; Node's fetch refuses URLs with credentials)",
    );
  }
  return { sourceUrl: u.href, displayUrl: toDisplayUrl(u) };
}

/** The URL without user/password and with sensitive query values replaced by ***. */
export function toDisplayUrl(source: URL | string): string {
  const u = new URL(typeof source === 'string' ? source : source.href);
  u.username = '';
  u.password = '';
  // Only rewrite the query when needed: re-serialising it could change how other values are encoded.
  // Which names carry credentials (Reolink `password=`, Foscam `loginpas=`…): lib/redact.ts.
  const sensitive = [...u.searchParams.keys()].filter(isSensitiveParam);
  for (const k of sensitive) u.searchParams.set(k, '***');
  return u.href.replaceAll('%2A%2A%2A', '***');
}

/**
 * The secret parts of any string that parses as a URL, or as a path with a query (a profile's
 * `path: /videostream.cgi?user=admin&pwd=…`): the password (raw and decoded) and the values of
 * sensitive query parameters. Used to feed the redactor before anything else looks at the config.
 */
export function secretsInUrl(value: string): string[] {
  const absolute = value.includes('://');
  if (!absolute && !value.includes('?')) return [];
  let u: URL;
  try {
    u = absolute ? new URL(value) : new URL(value, 'rtsp://path.invalid');
  } catch {
    return [];
  }
  const found: string[] = [];
  if (u.password) found.push(u.password, safeDecode(u.password));
  for (const [k, v] of u.searchParams) if (isSensitiveParam(k) && v) found.push(v);
  return found;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
