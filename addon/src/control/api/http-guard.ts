/**
 * What a web page the user happens to open must not be able to do to Lookout (control/api's first
 * hook, before authentication, on both listeners and every route, WebSocket upgrades included):
 *
 *   - DNS rebinding: a page on evil.example re-points its name at 127.0.0.1 and reads Lookout as
 *     "same origin". Its requests still say `Host: evil.example`, so only names Lookout knows pass:
 *     IP literals, localhost (and *.localhost), this machine's host name, the bind address and
 *     server.allowed_hosts. Anything else gets 403.
 *   - Cross-site requests: a POST (even a CORS "simple request" that needs no preflight) or a
 *     WebSocket upgrade from another origin. Browsers always send `Origin` on those, so one that
 *     names neither Lookout itself nor an entry of server.cors_origins gets 403. No Origin at all is
 *     a script, Node-RED or curl: not a browser page, judged by the token as before.
 *   - CORS: answers carry `access-control-allow-origin` only for the configured origins (never `*`).
 *
 * Behind a trusted proxy (HA ingress) the proxy has checked the name; the origin is compared with
 * the X-Forwarded-Host it sends, which is the name the browser used.
 * Hand-written: @fastify/cors would cover the CORS answers only, not Host or WebSocket Origin checks.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from './errors.js';
import { normaliseAddress } from './auth.js';
import type { ApiLimits } from './limits.js';

export interface GuardOptions {
  /** The address the listener binds (allowed as a Host name). */
  bindHost: string;
  /** server.allowed_hosts: extra names; a leading "." allows a domain and every name below it. */
  allowedHosts: readonly string[];
  /** server.cors_origins: exact origins (scheme://host[:port]). */
  corsOrigins: readonly string[];
  trustedProxies: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function installGuard(app: FastifyInstance, opts: GuardOptions, limits: ApiLimits): void {
  const allowHost = hostAllowlist(opts);
  const cors = new Set(opts.corsOrigins.map((o) => o.toLowerCase()));
  const trusted = new Set(opts.trustedProxies.map(normaliseAddress));

  app.addHook('onRequest', async (req, reply) => {
    const viaProxy = trusted.has(normaliseAddress(req.socket.remoteAddress ?? ''));
    const host = requestHost(req);
    if (!viaProxy && host !== null && !allowHost(hostnameOf(host))) {
      limits.count('host_not_allowed');
      return refuse(
        req,
        reply,
        'host_not_allowed',
        `this server does not answer to the name in the Host header; add it to server.allowed_hosts if it is yours (DNS rebinding protection)`,
      );
    }
    const origin = header(req, 'origin');
    if (origin === undefined) return;
    const forwarded = viaProxy ? header(req, 'x-forwarded-host')?.split(',')[0]?.trim() : undefined;
    const sameOrigin = isSameOrigin(origin, forwarded ?? host);
    const listed = cors.has(origin.toLowerCase());
    if (listed) {
      reply.header('access-control-allow-origin', origin).header('vary', 'origin');
      if (req.method === 'OPTIONS' && header(req, 'access-control-request-method') !== undefined) {
        // A preflight carries no credentials: answered here, before authentication.
        return reply
          .status(204)
          .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE')
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-max-age', '600')
          .send();
      }
    }
    const isUpgrade = (req.headers.upgrade ?? '') !== '';
    if (sameOrigin || listed || (SAFE_METHODS.has(req.method) && !isUpgrade)) return;
    // Trusted-proxy requests without X-Forwarded-Host cannot be judged by name: the proxy vouches.
    if (viaProxy && forwarded === undefined) return;
    limits.count('origin_not_allowed');
    return refuse(
      req,
      reply,
      'origin_not_allowed',
      `cross-origin ${isUpgrade ? 'WebSocket' : req.method} from a page that is not Lookout's; add its origin to server.cors_origins if you trust it`,
    );
  });
}

function refuse(req: FastifyRequest, reply: FastifyReply, code: string, message: string): FastifyReply {
  if ((req.headers.upgrade ?? '') !== '') {
    // As in auth.ts: a refused upgrade is answered on the raw socket, which nothing else would close.
    reply.header('connection', 'close');
    reply.raw.once('finish', () => req.raw.socket.end());
  }
  return reply.status(403).header('cache-control', 'no-store').send(apiError(code, message));
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Host (HTTP/1.1) or :authority (HTTP/2); null when absent (HTTP/1.0: not a browser). */
function requestHost(req: FastifyRequest): string | null {
  return header(req, 'host') ?? header(req, ':authority') ?? null;
}

/** "name:port", "[v6]:port", "name" → the lower-case name or address, without brackets. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return (colon === -1 ? h : h.slice(0, colon)).replace(/\.$/, '');
}

/** The page's origin names the same host:port the request was sent to (scheme aside: TLS listener). */
export function isSameOrigin(origin: string, host: string | null): boolean {
  if (host === null) return false;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const want = host.trim().toLowerCase();
  const wantName = hostnameOf(want);
  const wantPort = want.startsWith('[')
    ? want.slice(want.indexOf(']') + 2) || null
    : want.includes(':')
      ? want.slice(want.indexOf(':') + 1)
      : null;
  const name = hostnameOf(u.host);
  return name === wantName && (wantPort === null ? port === '80' || port === '443' : port === wantPort);
}

/** The names a Host header may carry (see the file comment). */
export function hostAllowlist(
  opts: Pick<GuardOptions, 'bindHost' | 'allowedHosts'>,
): (name: string) => boolean {
  const machine = hostname().toLowerCase();
  const exact = new Set<string>(['localhost', machine, `${machine}.local`, hostnameOf(opts.bindHost)]);
  // The short name too, when the machine's name is fully qualified.
  if (machine.includes('.')) exact.add(machine.slice(0, machine.indexOf('.')));
  const suffixes: string[] = ['.localhost'];
  for (const h of opts.allowedHosts) {
    if (h.startsWith('.')) {
      suffixes.push(h);
      exact.add(h.slice(1));
    } else exact.add(h);
  }
  // An IP literal cannot be rebound: a browser sends it only when the user typed it.
  return (name) => isIP(name) !== 0 || exact.has(name) || suffixes.some((s) => name.endsWith(s));
}
