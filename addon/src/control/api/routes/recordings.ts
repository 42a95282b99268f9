/**
 * Recordings: the index, playback (MP4 with HTTP Range), thumbnails, deletion, and per-camera
 * recording control (start/stop/state, runtime mode override). Ids are opaque; anything that is not
 * an id (a path, `..`) is a 400, an unknown id a 404.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ExportJob, RECORDING_MODES, type RecordingMode } from '../../../contracts/recording.js';
import { badRequest, LookoutError, notFound } from '../../../lib/errors.js';
import type { RecordingService } from '../../../outputs/recorder/service.js';
import { renderRecordingMetrics } from '../../../outputs/recorder/service.js';
import { stillPathFromId } from '../../../outputs/recorder/stills.js';
import { pageLimit } from '../../../outputs/recorder/review.js';
import { tooManyStreams } from '../../events/routes.js';
import type { ApiLimits } from '../limits.js';

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

/** An MP4 file with HTTP Range (players seek with it). */
function sendMp4(req: FastifyRequest, reply: FastifyReply, path: string, size: number) {
  const range = parseRange(req.headers.range, size);
  reply.header('accept-ranges', 'bytes').type('video/mp4');
  if (range === 'bad') {
    return reply.status(416).header('content-range', `bytes */${size}`).send();
  }
  if (range === null) {
    reply.header('content-length', size);
    return reply.send(createReadStream(path, { start: 0, end: Math.max(0, size - 1) }));
  }
  reply
    .status(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', range.end - range.start + 1);
  return reply.send(createReadStream(path, range));
}

/**
 * A picture FFmpeg could not make: the client learns that, not FFmpeg's stderr or the file's path
 * (both stay in the log, once per recording: a grid re-asking every few seconds adds nothing).
 */
function jpegFailure(log: FastifyInstance['log']): (id: string) => (err: unknown) => never {
  const logged = new Set<string>();
  return (id) => (err) => {
    if (err instanceof LookoutError) throw err;
    if (!logged.has(id)) {
      if (logged.size >= 1000) logged.clear(); // bounded: a client chooses the ids
      logged.add(id);
      log.warn({ id, err: (err as Error).message }, 'recording picture failed');
    }
    throw new LookoutError(500, 'thumbnail_failed', `no picture could be made from recording "${id}"`);
  };
}

/** The status without the recording root's absolute path (nor that path inside error texts). */
function publicStatus(s: Awaited<ReturnType<RecordingService['status']>>): Omit<typeof s, 'root'> {
  const { root, ...rest } = s;
  if (root === '') return rest;
  const text = JSON.stringify(rest).split(JSON.stringify(root).slice(1, -1)).join('<recordings>');
  return JSON.parse(text) as typeof rest;
}

type ListQuery = {
  camera?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  recording?: string;
};

/** `limits`: the shared SSE cap for export progress streams; absent: unbounded (unit tests). */
export function recordingRoutes(app: FastifyInstance, rec: RecordingService, limits?: ApiLimits): void {
  const jpegFailed = jpegFailure(app.log);
  // Without limit/cursor: every file oldest first (the timeline of a day). With them: newest first, paged.
  app.get<{ Querystring: ListQuery }>('/api/recordings', async (req) => {
    const filter = {
      camera: req.query.camera || undefined,
      fromMs: parseTime(req.query.from, 'from'),
      toMs: parseTime(req.query.to, 'to'),
    };
    if (req.query.limit === undefined && req.query.cursor === undefined)
      return { recordings: rec.list(filter) };
    const p = rec.listPage(filter, pageLimit(req.query.limit), req.query.cursor || undefined);
    return { recordings: p.items, next: p.next };
  });

  // The review list: one row per clip, newest first, paged. Before /:id so "events" is not an id.
  app.get<{ Querystring: ListQuery & { kind?: string; mode?: string } }>(
    '/api/recordings/events',
    async (req) => {
      const q = req.query;
      if (q.mode && !(RECORDING_MODES as readonly string[]).includes(q.mode))
        throw badRequest(`mode must be one of ${RECORDING_MODES.join(', ')}`);
      const p = rec.events({
        camera: q.camera || undefined,
        kind: q.kind || undefined,
        mode: q.mode || undefined,
        fromMs: parseTime(q.from, 'from'),
        toMs: parseTime(q.to, 'to'),
        limit: pageLimit(q.limit),
        cursor: q.cursor || undefined,
      });
      return { events: p.items, next: p.next };
    },
  );

  app.get('/api/recordings/status', async () => publicStatus(await rec.status()));

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
    const r = rec.playable(req.params.id);
    // A file being written grows (same id once finished): no cache may keep the shorter copy.
    reply.header('cache-control', 'private, no-cache');
    return sendMp4(req, reply, r.path, r.size);
  });

  app.get<{ Params: { id: string } }>('/api/recordings/:id/thumbnail', async (req, reply) => {
    const jpg = await rec.thumbnail(req.params.id).catch(jpegFailed(req.params.id));
    return reply.type('image/jpeg').header('cache-control', 'max-age=86400').send(jpg);
  });

  // The frame at the clip's event (motion) or the first keyframe: the review row's picture.
  app.get<{ Params: { id: string } }>('/api/recordings/:id/snapshot', async (req, reply) => {
    const jpg = await rec.snapshot(req.params.id).catch(jpegFailed(req.params.id));
    return reply.type('image/jpeg').header('cache-control', 'max-age=86400').send(jpg);
  });

  /** `{kept: boolean}`: keeps the whole clip (retention never deletes it) or releases it. */
  app.put<{ Params: { id: string }; Body: { kept?: unknown } | null }>(
    '/api/recordings/:id/kept',
    async (req) => {
      const kept = req.body?.kept;
      if (typeof kept !== 'boolean') throw badRequest('kept must be true or false');
      return rec.setKept(req.params.id, kept);
    },
  );

  // One file, or with ?clip=1 every file of its clip (what the review row shows).
  app.delete<{ Params: { id: string }; Querystring: { clip?: string } }>(
    '/api/recordings/:id',
    async (req, reply) => {
      if (req.query.clip === '1' || req.query.clip === 'true')
        return reply.status(200).send({ deleted: await rec.removeClip(req.params.id) });
      await rec.remove(req.params.id);
      return reply.status(204).send();
    },
  );

  // The newest motion clip and its snapshot: Home Assistant's / MQTT's "last motion" picture.
  app.get<{ Params: { id: string } }>('/api/cameras/:id/recording/last-event', async (req) =>
    rec.lastEvent(req.params.id),
  );
  app.get<{ Params: { id: string } }>('/api/cameras/:id/recording/last-event.jpg', async (req, reply) => {
    const jpg = await rec
      .snapshot(rec.lastEvent(req.params.id).snapshotFile)
      .catch(jpegFailed(req.params.id));
    return reply.type('image/jpeg').header('cache-control', 'no-cache').send(jpg);
  });

  exportRoutes(app, rec, limits);

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

/** Exports: POST starts one, SSE reports progress, DELETE cancels (or deletes the finished file). */
function exportRoutes(app: FastifyInstance, rec: RecordingService, limits?: ApiLimits): void {
  const ex = rec.exports;
  app.post<{ Body: { camera?: unknown; from?: unknown; to?: unknown } | null }>(
    '/api/exports',
    async (req, reply) => {
      const b = req.body ?? {};
      if (typeof b.camera !== 'string' || !b.camera) throw badRequest('camera is required');
      const fromMs = parseTime(
        typeof b.from === 'number' ? String(b.from) : (b.from as string | undefined),
        'from',
      );
      const toMs = parseTime(typeof b.to === 'number' ? String(b.to) : (b.to as string | undefined), 'to');
      if (fromMs === undefined || toMs === undefined) throw badRequest('from and to are required');
      return reply.status(202).send(ex.create(b.camera, fromMs, toMs));
    },
  );
  app.get('/api/exports', async () => ({ exports: ex.list() }));
  app.get<{ Params: { id: string } }>('/api/exports/:id', async (req) => ex.get(req.params.id));
  app.delete<{ Params: { id: string } }>('/api/exports/:id', async (req) => ex.cancel(req.params.id));
  app.get<{ Params: { id: string } }>('/api/exports/:id/file', async (req, reply) => {
    const { path, job } = ex.file(req.params.id);
    const name = `${job.camera}-${job.from.replace(/[:.]/g, '').slice(0, 15)}.mp4`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    return sendMp4(req, reply, path, job.bytes);
  });
  // Progress as server-sent events: the current state first, then every change until it ends.
  app.get<{ Params: { id: string } }>('/api/exports/:id/events', (req, reply) => {
    const first = ex.get(req.params.id); // 404 before the stream starts
    const release = limits ? limits.acquireSse() : () => undefined;
    if (!release) throw tooManyStreams(limits!.settings.maxSseClients);
    reply.hijack();
    const res = reply.raw;
    res.on('close', release);
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>), // CORS answers of the guard
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    const send = (job: ExportJob) => {
      res.write(`event: progress\ndata: ${JSON.stringify(job)}\n\n`);
      if (job.state !== 'running') finish();
    };
    const onProgress = (job: ExportJob) => {
      if (job.id === first.id) send(job);
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      ex.off('progress', onProgress);
      res.end();
    };
    ex.on('progress', onProgress);
    res.on('close', finish);
    send(first);
  });
}
