/**
 * Bounds on how long a client may take to send its request, so slow or never-finished requests
 * (slowloris headers, a POST whose body never completes) cannot pile up open connections.
 *
 *   headers      Node's headersTimeout (HTTP/1.1): the request line and headers in full.
 *   body         REQUEST_BODY_MS from the headers to the last body byte, on both listeners: Node's
 *                own requestTimeout is HTTP/1-only and checked on a 30 s sweep, so a hook does it.
 *   idle socket  Fastify's connectionTimeout: no byte either way for this long (WebSockets clear it
 *                on upgrade; SSE streams send a heartbeat every 15 s; held LL-HLS playlists are
 *                answered within seconds).
 *   keep-alive   longer than the proxies' pools in front (HA ingress' aiohttp keeps 15 s), so a
 *                proxy never reuses a connection Lookout has just closed.
 * Answers themselves (an MP4 download, an SSE stream) are not bounded here.
 */
import type { FastifyInstance } from 'fastify';

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_BODY_MS = 15_000;
export const IDLE_SOCKET_MS = 120_000;
export const KEEP_ALIVE_MS = 65_000;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Node server settings Fastify does not pass on (it sets the idle and keep-alive ones itself). */
export function boundServer(server: {
  headersTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
}): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // Node's own check (HTTP/1.1; a sweep every 30 s); the hook below is the prompt one.
  server.requestTimeout = REQUEST_BODY_MS + HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
}

/**
 * A request with a body must have sent all of it REQUEST_BODY_MS after its headers arrived, else its
 * connection (HTTP/1.1) or stream (HTTP/2) is destroyed. The body is in once preValidation runs;
 * a request answered earlier (401, 413, 415) ends the wait too.
 */
export function installBodyTimeout(app: FastifyInstance, ms = REQUEST_BODY_MS): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!BODY_METHODS.has(req.method)) return;
    const timer = setTimeout(() => {
      if (reply.sent) return;
      // HTTP/2: only this stream (the session may carry other requests); HTTP/1.1: the connection.
      const stream = (req.raw as { stream?: { destroyed: boolean; destroy(): void } }).stream;
      if (stream) stream.destroy();
      else req.raw.destroy();
    }, ms);
    timer.unref();
    const done = () => clearTimeout(timer);
    (req as { bodyTimer?: () => void }).bodyTimer = done;
    reply.raw.once('close', done);
    reply.raw.once('finish', done);
  });
  app.addHook('preValidation', async (req) => {
    (req as { bodyTimer?: () => void }).bodyTimer?.();
  });
}
