/** GET /api/health and GET /metrics (Prometheus). */
import type { FastifyInstance } from 'fastify';
import type { HealthAnswer } from '../../../contracts/api.js';
import { STREAM_STATES, type StreamState } from '../../../contracts/stream-state.js';
import type { CameraDirectory, StreamStatuses } from '../../../supervisor/ports.js';
import { renderMetrics } from '../metrics.js';

/** `extraMetrics`: more exposition text from other subsystems (the recorder), appended to /metrics. */
export function healthRoutes(
  app: FastifyInstance,
  sup: CameraDirectory & StreamStatuses,
  version: string,
  extraMetrics: () => Promise<string> = async () => '',
): void {
  const startedAt = Date.now();
  app.get('/api/health', async (): Promise<HealthAnswer> => {
    const streams = Object.fromEntries(STREAM_STATES.map((s) => [s, 0])) as Record<StreamState, number>;
    for (const s of sup.statuses()) streams[s.state] += 1;
    return {
      status: 'ok',
      version,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      cameras: sup.cameras().length,
      streams,
    };
  });

  app.get('/metrics', async (_req, reply) =>
    reply
      .type('text/plain; version=0.0.4; charset=utf-8')
      .send(renderMetrics(sup.statuses()) + (await extraMetrics())),
  );
}
