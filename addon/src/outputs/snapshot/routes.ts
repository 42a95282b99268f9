/** GET /api/cameras/:id/snapshot?profile=sub|main → image/jpeg of the latest keyframe. */
import type { FastifyInstance } from 'fastify';
import { isProfileName, streamKey, type ProfileName } from '../../contracts/stream-key.js';
import { badRequest } from '../../lib/errors.js';
import type { CameraDirectory } from '../../supervisor/ports.js';
import type { SnapshotService } from './snapshot-service.js';

export function snapshotRoutes(app: FastifyInstance, sup: CameraDirectory, snapshots: SnapshotService): void {
  app.get<{ Params: { id: string }; Querystring: { profile?: string } }>(
    '/api/cameras/:id/snapshot',
    async (req, reply) => {
      const cam = sup.camera(req.params.id); // 404 for an unknown camera
      const asked = req.query.profile;
      if (asked !== undefined && !isProfileName(asked))
        throw badRequest(`profile must be main or sub, got "${asked}"`);
      // Default: the sub stream when there is one (cheaper to keep running, plenty for a thumbnail).
      const profile: ProfileName = asked ?? (cam.profiles.sub ? 'sub' : 'main');
      const snap = await snapshots.get(streamKey(cam.id, profile));
      return (
        reply
          .header('content-type', 'image/jpeg')
          .header('cache-control', 'no-store')
          .header('x-lookout-frame-at', new Date(snap.frameAt).toISOString())
          // Which FFmpeg decode made this picture and how long it took: concurrent requests share one.
          .header('x-lookout-decode-id', String(snap.decodeId))
          .header('x-lookout-decode-ms', String(snap.decodeMs))
          .send(snap.jpeg)
      );
    },
  );
}
