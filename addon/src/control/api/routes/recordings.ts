/**
 * Recordings: the index, playback (MP4 with HTTP Range), thumbnails, deletion, and per-camera
 * recording control (start/stop/state, runtime mode override). Ids are opaque; anything that is not
 * an id (a path, `..`) is a 400, an unknown id a 404.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { RECORDING_MODES, type RecordingMode } from '../../../contracts/recording.js';
import { badRequest, LookoutError, notFound } from '../../../lib/errors.js';
import type { RecordingService } from '../../../outputs/recorder/service.js';
import { renderRecordingMetrics } from '../../../outputs/recorder/service.js';
import { stillPathFromId } from '../../../outputs/recorder/stills.js';

function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw badRequest(`${name} must be an ISO time or epoch milliseconds`);
  return ms;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range); null when absent; 'bad' when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'bad';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

export function recordingRoutes(app: FastifyInstance, rec: RecordingService): void {
  app.get<{ Querystring: { camera?: string; from?: string; to?: string } }>(
    '/api/recordings',
    async (req) => ({
      recordings: rec.list({
        camera: req.query.camera || undefined,
        fromMs: parseTime(req.query.from, 'from'),
        toMs: parseTime(req.query.to, 'to'),
      }),
    }),
  );

  app.get('/api/recordings/status', async () => rec.status());

  // Periodic stills (timelapse). Registered before /api/recordings/:id so "stills" is not an id.
  app.get<{ Querystring: { camera?: string; from?: string; to?: string } }>(
    '/api/recordings/stills',
    async (req) => ({
      stills: await rec.stills({
        camera: req.query.camera || undefined,
        fromMs: parseTime(req.query.from, 'from'),
        toMs: parseTime(req.query.to, 'to'),
      }),
    }),
  );
  app.get<{ Params: { id: string } }>('/api/recordings/stills/:id', async (req, reply) => {
    const path = stillPathFromId(rec.root, req.params.id);
    if (!path) throw badRequest(`invalid still id "${req.params.id.slice(0, 80)}"`);
    const jpeg = await readFile(path).catch(() => null);
    if (!jpeg) throw notFound(`still "${req.params.id}"`);
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=86400').send(jpeg);
  });

  app.get('/api/recordings/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(renderRecordingMetrics(await rec.status())),
  );

  app.get<{ Params: { id: string } }>('/api/recordings/:id', async (req, reply) => {
    const r = rec.get(req.params.id);
    const size = r.meta.size;
    const range = parseRange(req.headers.range, size);
    reply.header('accept-ranges', 'bytes').type('video/mp4');
    if (range === 'bad') {
      return reply.status(416).header('content-range', `bytes */${size}`).send();
    }
    if (range === null) {
      reply.header('content-length', size);
      return reply.send(createReadStream(r.path, { start: 0, end: Math.max(0, size - 1) }));
    }
    reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1);
    return reply.send(createReadStream(r.path, range));
  });

  app.get<{ Params: { id: string } }>('/api/recordings/:id/thumbnail', async (req, reply) => {
    const jpg = await rec.thumbnail(req.params.id).catch((err: unknown) => {
      if (err instanceof LookoutError) throw err;
      throw new LookoutError(500, 'thumbnail_failed', (err as Error).message);
    });
    return reply.type('image/jpeg').header('cache-control', 'max-age=86400').send(jpg);
  });

  app.delete<{ Params: { id: string } }>('/api/recordings/:id', async (req, reply) => {
    await rec.remove(req.params.id);
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/cameras/:id/recording', async (req) =>
    rec.recorder(req.params.id).state(),
  );

  app.post<{ Params: { id: string }; Body: { duration_s?: number } | null }>(
    '/api/cameras/:id/recording/start',
    async (req) => {
      const d = req.body?.duration_s;
      if (d !== undefined && (typeof d !== 'number' || !(d > 0) || d > 24 * 3600)) {
        throw badRequest('duration_s must be a number of seconds in (0, 86400]');
      }
      return rec.recorder(req.params.id).startManual(d);
    },
  );

  app.post<{ Params: { id: string } }>('/api/cameras/:id/recording/stop', async (req) =>
    rec.recorder(req.params.id).stopManual(),
  );

  /** `{mode: 'motion'|'manual'|'continuous'|null}`: runtime override; null returns to the config. */
  app.put<{ Params: { id: string }; Body: { mode?: unknown } | null }>(
    '/api/cameras/:id/recording/mode',
    async (req) => {
      const mode = req.body?.mode ?? null;
      if (mode !== null && !(RECORDING_MODES as readonly unknown[]).includes(mode)) {
        throw badRequest(`mode must be one of ${RECORDING_MODES.join(', ')} or null`);
      }
      return rec.setMode(req.params.id, mode as RecordingMode | null);
    },
  );
}
