/**
 * GET /api/cameras, GET /api/cameras/:id — camera list and detail. Camera credentials never appear;
 * with the gateway, each camera carries its restream URLs and the generated read-only restream user.
 */
import type { FastifyInstance } from 'fastify';
import type { MediamtxGateway } from '../../../gateway/gateway.js';
import { cameraDetail, cameraSummary } from '../views.js';
import type { ViewHost } from '../views.js';

export function cameraRoutes(
  app: FastifyInstance,
  sup: ViewHost,
  gateway: MediamtxGateway | null = null,
): void {
  app.get('/api/cameras', async (req) => ({
    cameras: sup.cameras().map((c) => cameraSummary(sup, c, { gateway, requestHost: req.headers.host })),
  }));

  app.get<{ Params: { id: string } }>('/api/cameras/:id', async (req) =>
    cameraDetail(sup, sup.camera(req.params.id), { gateway, requestHost: req.headers.host }),
  );
}
