/**
 * API authentication for standalone installs (behind HA ingress, HA has authenticated the user and
 * its proxy's connections are trusted). With `server.token` set, every route but /api/health needs
 * one of:
 *   - `Authorization: Bearer <token>` (scripts, Node-RED),
 *   - the `lookout_session` cookie: media elements, hls.js and WebSockets cannot send headers,
 *   - `?token=<token>` on a GET: answered with the cookie and a redirect to the same URL without the
 *     token, so it stays neither in the address bar nor in the history.
 * The cookie holds its issue time and an HMAC of it keyed by the token, not the token: it survives
 * restarts, works on both listeners (cookies ignore the port), expires SESSION_MAX_AGE_S after it was
 * issued, is re-issued (a fresh issue time) on a request once it is SESSION_ROTATE_S old, so a browser
 * in use stays signed in while a copied cookie dies, and changing the token ends every session.
 * One onRequest hook on the root instance, so it runs before every route, the 404 handler and the
 * WebSocket upgrade handlers of both listeners.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from './errors.js';

export interface AuthOptions {
  /** SECRET. null: no authentication, every request passes (the behaviour before tokens existed). */
  token: string | null;
  /** Socket remote addresses accepted without credentials (HA's ingress proxy in the add-on). */
  trustedProxies: readonly string[];
  /** Clock in ms (tests move it); default Date.now. */
  now?: () => number;
}

export const SESSION_COOKIE = 'lookout_session';
/** Routes open to everyone: the add-on health check. It reveals counts and the version, no secret. */
const OPEN_PATHS = new Set(['/api/health']);
const SESSION_LABEL = 'lookout session v2';
/** A session lasts a week from its issue; one in use is re-issued daily. */
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;
export const SESSION_ROTATE_S = 24 * 3600;
/** Issue times this far ahead of the clock are accepted (clock steps between restarts). */
const CLOCK_SKEW_S = 300;

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  const { token } = opts;
  if (token === null) return;
  const trusted = new Set(opts.trustedProxies.map(normaliseAddress));
  const tokenDigest = digest(token);
  const now = opts.now ?? Date.now;
  // The signing key is derived from the token: a cookie never carries anything the token is
  // recoverable from, and a new token invalidates every cookie.
  const key = createHmac('sha256', token).update(SESSION_LABEL).digest();
  const sign = (issuedS: number) => createHmac('sha256', key).update(String(issuedS)).digest('base64url');
  const issue = () => {
    const issuedS = Math.floor(now() / 1000);
    return `${issuedS}.${sign(issuedS)}`;
  };
  /** Age in seconds of a valid session cookie, or null (forged, expired, malformed). */
  const sessionAge = (value: string | undefined): number | null => {
    const m = value === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return null;
    const issuedS = Number(m[1]);
    if (!timingSafeEqual(digest(m[2]!), digest(sign(issuedS)))) return null;
    const age = Math.floor(now() / 1000) - issuedS;
    return age < -CLOCK_SKEW_S || age >= SESSION_MAX_AGE_S ? null : age;
  };
  const matches = (given: string | undefined, expected: Buffer): boolean =>
    given !== undefined && given !== '' && timingSafeEqual(digest(given), expected);

  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req.url);
    if (OPEN_PATHS.has(path)) return;
    if (trusted.has(normaliseAddress(req.socket.remoteAddress ?? ''))) return;
    if (matches(bearer(req), tokenDigest)) return;
    const isUpgrade = (req.headers.upgrade ?? '') !== '';
    const age = sessionAge(cookie(req, SESSION_COOKIE));
    if (age !== null) {
      // An upgrade's answer is written by the WebSocket library: the next page request rotates.
      if (age >= SESSION_ROTATE_S && !isUpgrade)
        reply.header('set-cookie', sessionCookie(issue(), req.protocol === 'https'));
      return;
    }

    const query = new URLSearchParams(queryOf(req.url));
    const given = query.get('token');
    if (given !== null && (req.method === 'GET' || req.method === 'HEAD') && !isUpgrade) {
      if (matches(given, tokenDigest)) {
        query.delete('token');
        return reply
          .header('set-cookie', sessionCookie(issue(), req.protocol === 'https'))
          .header('cache-control', 'no-store')
          .redirect(relativeLocation(path, query), 302);
      }
    }
    if (isUpgrade) {
      // A refused upgrade is answered on the raw socket (@fastify/websocket), which nothing would
      // close afterwards: it would linger, and hold up the listener's close.
      reply.header('connection', 'close');
      reply.raw.once('finish', () => req.raw.socket.end());
    }
    return deny(reply, given !== null || req.headers.authorization !== undefined);
  });
}

function deny(reply: FastifyReply, triedCredentials: boolean): FastifyReply {
  // Never echo what was sent: a near-miss token is still somebody's secret.
  const message = triedCredentials
    ? 'invalid credentials'
    : 'authentication required: send Authorization: Bearer <token>, or open the page once with ?token=<token>';
  return reply
    .status(401)
    .header('www-authenticate', 'Bearer realm="lookout"')
    .header('cache-control', 'no-store')
    .send(apiError('unauthorized', message));
}

/** Equal-length digests make timingSafeEqual applicable to inputs of any length. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer[ \t]+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

/** The value of one cookie from the Cookie header (no cookie library needed for one name). */
export function cookie(req: Pick<FastifyRequest, 'headers'>, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Max-Age=${SESSION_MAX_AGE_S}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

/**
 * The redirect target after `?token=`: relative to the current URL (`./<last segment>?rest`), so it
 * also lands right behind a reverse proxy that mounts Lookout under a path prefix.
 */
export function relativeLocation(path: string, query: URLSearchParams): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const rest = query.toString();
  return `./${last}${rest === '' ? '' : `?${rest}`}`;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/** `::ffff:172.30.32.2` (an IPv4 peer on a dual-stack socket) is 172.30.32.2. */
export function normaliseAddress(addr: string): string {
  const a = addr.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
