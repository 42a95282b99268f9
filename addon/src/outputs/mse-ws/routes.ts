/**
 * Registers the MSE-over-WebSocket endpoints (`/api/ws`, and `/live/ws` for the live page) on the
 * API's fastify instance. Sessions end (leases released) when their socket closes or the server does.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { MSE_WS_PATHS } from '../../contracts/mse-ws.js';
import type { Logger } from '../../lib/log.js';
import { MseSession } from './session.js';
import type { MseHost } from './session.js';

export async function mseWsRoutes(app: FastifyInstance, sup: MseHost, log: Logger): Promise<void> {
  const wsLog = log.child({ component: 'mse-ws' });
  const sessions = new Set<MseSession>();
  // Fragments are already compressed video: deflate would cost CPU for nothing.
  await app.register(websocket, { options: { perMessageDeflate: false, maxPayload: 64 * 1024 } });
  app.addHook('onClose', async () => {
    for (const s of sessions) s.close();
  });
  for (const path of MSE_WS_PATHS) {
    app.get(path, { websocket: true }, (socket, req) => {
      const session = new MseSession({ socket, supervisor: sup, log: wsLog, peer: req.ip });
      sessions.add(session);
      socket.once('close', () => sessions.delete(session));
    });
  }
}
