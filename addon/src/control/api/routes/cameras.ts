/** GET /api/cameras, GET /api/cameras/:id — camera list and detail, credentials never included. */
import type { FastifyInstance } from 'fastify';
import { cameraDetail, cameraSummary } from '../views.js';
import type { ViewHost } from '../views.js';

export function cameraRoutes(app: FastifyInstance, sup: ViewHost): void {
  app.get('/api/cameras', async () => ({ cameras: sup.cameras().map((c) => cameraSummary(sup, c)) }));

  app.get<{ Params: { id: string } }>('/api/cameras/:id', async (req) =>
    cameraDetail(sup, sup.camera(req.params.id)),
  );
}
