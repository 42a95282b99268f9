/**
 * GET /api/cameras/:id/probe?profile=main|sub — `lookout probe` for a configured camera: what the
 * camera sends and what Lookout does with it (sources/inspect.ts). The camera's URL, with its
 * credentials, stays inside; the answer carries the redacted form. One probe per key at a time:
 * concurrent requests share it (the table is bounded by the configured keys).
 */
import type { FastifyInstance } from 'fastify';
import { isProfileName, keyId, streamKey } from '../../../contracts/stream-key.js';
import { badRequest, notFound } from '../../../lib/errors.js';
import { inspectSource, type ProbeReport } from '../../../sources/inspect.js';
import type { CameraDirectory } from '../../../supervisor/ports.js';

export function probeRoutes(app: FastifyInstance, sup: CameraDirectory): void {
  const inFlight = new Map<string, Promise<ProbeReport>>();
  app.get<{ Params: { id: string }; Querystring: { profile?: string } }>(
    '/api/cameras/:id/probe',
    async (req) => {
      const cam = sup.camera(req.params.id);
      const name = req.query.profile ?? 'main';
      if (!isProfileName(name)) throw badRequest(`profile must be main or sub, got "${name}"`);
      const profile = cam.profiles[name];
      if (!profile) throw notFound(`profile "${name}" of camera "${cam.id}"`);
      const id = keyId(streamKey(cam.id, name));
      let p = inFlight.get(id);
      if (!p) {
        p = inspectSource(profile.sourceUrl, { transport: profile.transport }).finally(() =>
          inFlight.delete(id),
        );
        inFlight.set(id, p);
      }
      return { camera: cam.id, profile: name, probe: await p };
    },
  );
}
