/**
 * Registers the MSE-over-WebSocket endpoints (`/api/ws`, and `/live/ws` for the live page) on the
 * API's fastify instance. Sessions end (leases released) when their socket closes or the server does.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { MSE_WS_PATHS } from '../../contracts/mse-ws.js';
import type { Logger } from '../../lib/log.js';
import type { ApiLimits } from '../../control/api/limits.js';
import { normaliseAddress } from '../../control/api/auth.js';
import { MseSession } from './session.js';
import type { MseHost } from './session.js';

/** 1013 "try again later": the cap is full; the close reason says which. */
const CLOSE_TRY_LATER = 1013;

/**
 * `limits` caps sockets in total and per client address (behind a trusted proxy every client shares
 * its address: there the first X-Forwarded-For hop names the client) and bounds each send buffer.
 */
export async function mseWsRoutes(
  app: FastifyInstance,
  sup: MseHost,
  log: Logger,
  limits?: ApiLimits,
  trustedProxies: readonly string[] = [],
): Promise<void> {
  const trusted = new Set(trustedProxies.map(normaliseAddress));
  const wsLog = log.child({ component: 'mse-ws' });
  const sessions = new Set<MseSession>();
  // Fragments are already compressed video: deflate would cost CPU for nothing.
  await app.register(websocket, { options: { perMessageDeflate: false, maxPayload: 64 * 1024 } });
  app.addHook('onClose', async () => {
    for (const s of sessions) s.close();
  });
  for (const path of MSE_WS_PATHS) {
    app.get(path, { websocket: true }, (socket, req) => {
      const addr = normaliseAddress(req.socket.remoteAddress ?? '');
      const fwd = req.headers['x-forwarded-for'];
      const client =
        trusted.has(addr) && typeof fwd === 'string' ? `${addr}>${fwd.split(',')[0]!.trim()}` : addr;
      const release = limits?.acquireSocket(client) ?? (() => undefined);
      if (typeof release === 'string') {
        socket.close(CLOSE_TRY_LATER, release);
        return;
      }
      socket.once('close', release);
      const session = new MseSession({
        socket,
        supervisor: sup,
        log: wsLog,
        peer: req.ip,
        maxBufferedBytes: limits?.settings.maxSocketBufferBytes,
        onOverflow: () => limits?.count('ws_send_buffer'),
      });
      sessions.add(session);
      socket.once('close', () => sessions.delete(session));
    });
  }
}
