/**
 * LL-HLS over HTTP (every URI relative, so HA ingress can serve it under any prefix):
 *   GET /hls/:camera/:profile/index.m3u8     multivariant playlist
 *   GET /hls/:camera/:profile/stream.m3u8    media playlist; `_HLS_msn`[/`_HLS_part`] block until present,
 *                                            without them it is answered when the next part completes,
 *                                            `_HLS_skip=YES` answers a delta update (EXT-X-SKIP)
 *   GET /hls/:camera/:profile/init-<gen>.mp4 init section of one FFmpeg run (new name after a restart)
 *   GET /hls/:camera/:profile/seg-<seq>.mp4  complete segment (its parts back to back)
 *   GET /hls/:camera/:profile/part-<seq>.mp4 one part; the preload-hinted next part blocks until it exists
 * Unknown camera/profile → the API's JSON 404; evicted media → 404.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseProfileSegment, streamKey } from '../../contracts/stream-key.js';
import { badRequest, LookoutError, notFound } from '../../lib/errors.js';
import { parseDirective, parseSkip, rejectDirective, satisfies } from './delivery-directives.js';
import type { LlhlsOrigin } from './origin.js';

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const MEDIA_TYPE = 'video/mp4';
/** Media URIs never change content (numbers are never reused within a hub); a short max-age bounds the odd hub replacement. */
const MEDIA_CACHE = 'public, max-age=60';
/**
 * A part request up to this many fragments past the preload hint is held (the spec's advance limit
 * is 3 parts; a part holds one or a few fragments), further ones are refused.
 */
const PART_LOOKAHEAD_FRAGMENTS = 8;

/** A playlist request without a directive waits at most this many PART-TARGETs for a fresh part. */
const FIRST_LOAD_HOLD_PARTS = 1.5;

interface Params {
  camera: string;
  profile: string;
  file: string;
}

export function llhlsRoutes(app: FastifyInstance, origin: LlhlsOrigin): void {
  app.get<{ Params: Params; Querystring: Record<string, unknown> }>(
    '/hls/:camera/:profile/:file',
    async (req, reply) => {
      reply.header('cache-control', 'no-cache');
      const { camera, profile, file } = req.params;
      const seg = parseProfileSegment(profile);
      if (!seg) throw notFound(`profile "${profile}" of camera "${camera}"`);
      const route = fileRoute(file);
      if (!route) throw notFound(`HLS file "${file}"`);
      const m = origin.muxer(streamKey(camera, seg.profile, seg.variant));
      const signal = clientGone(reply);

      switch (route.kind) {
        case 'index':
        case 'stream': {
          const parsed =
            route.kind === 'stream' ? parseDirective(req.query) : { ok: true as const, directive: null };
          if (!parsed.ok) throw badRequest(parsed.reason);
          const skip = parseSkip(req.query);
          if (!skip.ok) throw badRequest(skip.reason);
          // First request of an idle key: wait for its first segment rather than 404 during start-up.
          if (!(await m.waitUntil(() => m.ready(), origin.options.firstSegmentTimeoutMs, signal))) {
            reply.header('retry-after', '1');
            throw new LookoutError(503, 'unavailable', `stream ${camera}/${profile} has no media yet`);
          }
          if (route.kind === 'index') return sendPlaylist(reply, m.multivariantPlaylist());
          const d = parsed.directive;
          if (d) {
            const why = rejectDirective(d, m.directiveSegments());
            if (why) throw badRequest(why);
            // Bounded hold (3 × target duration): afterwards the current playlist is answered, and the
            // client asks again; during an FFmpeg restart that is better than an error.
            await m.waitUntil(() => satisfies(d, m.directiveSegments()), 3 * m.targetDuration * 1000, signal);
          } else {
            // No directive (a player's first load): answered when the next part completes (≤ 1.5 ×
            // PART-TARGET), so the newest part listed is brand new. A player estimates the live edge as
            // the playlist's end + the time since it arrived and starts PART-HOLD-BACK behind it; a
            // playlist whose newest part was already up to a part old made it start that much later,
            // and stock hls.js never catches that up (it plays at rate 1).
            const next = m.nextPartSeq();
            if (next !== null)
              await m.waitUntil(
                () => m.isSettled(next),
                Math.ceil(FIRST_LOAD_HOLD_PARTS * m.partTargetS * 1000),
                signal,
              );
          }
          return sendPlaylist(reply, m.mediaPlaylist(skip.skip));
        }
        case 'init': {
          const init = m.findInit(route.n);
          if (!init) throw notFound(`init ${route.n}`);
          return sendMedia(reply, init.data);
        }
        case 'segment': {
          const held = 3 * m.targetDuration * 1000;
          const open = m.findSegment(route.n);
          if (open && !open.closed)
            await m.waitUntil(() => m.findSegment(route.n)?.closed !== false, held, signal);
          const seg = m.findSegment(route.n);
          if (!seg || !seg.closed) throw notFound(`segment ${route.n}`);
          return sendMedia(
            reply,
            Buffer.concat(
              seg.fragments.map((p) => p.data),
              seg.byteLength,
            ),
          );
        }
        case 'part': {
          const n = route.n;
          const next = m.nextPartSeq();
          if (!m.isSettled(n) && (next === null || n <= next + PART_LOOKAHEAD_FRAGMENTS)) {
            // The preload-hinted part: answer as soon as it is complete.
            await m.waitUntil(() => m.isSettled(n), 3 * m.targetDuration * 1000, signal);
          }
          const part = m.findPart(n);
          if (!part) throw notFound(`part ${n}`);
          const only = part.fragments.length === 1 ? part.fragments[0] : undefined;
          return sendMedia(
            reply,
            only
              ? only.data
              : Buffer.concat(
                  part.fragments.map((f) => f.data),
                  part.byteLength,
                ),
          );
        }
      }
    },
  );
}

type FileRoute = { kind: 'index' | 'stream' } | { kind: 'init' | 'segment' | 'part'; n: number };

function fileRoute(file: string): FileRoute | null {
  if (file === 'index.m3u8') return { kind: 'index' };
  if (file === 'stream.m3u8') return { kind: 'stream' };
  const m = /^(init|seg|part)-(\d{1,15})\.mp4$/.exec(file);
  if (!m) return null;
  const kind = m[1] === 'init' ? 'init' : m[1] === 'seg' ? 'segment' : 'part';
  return { kind, n: Number(m[2]) };
}

function sendPlaylist(reply: FastifyReply, text: string): FastifyReply {
  return reply.header('content-type', PLAYLIST_TYPE).header('cache-control', 'no-cache').send(text);
}

function sendMedia(reply: FastifyReply, data: Buffer): FastifyReply {
  return reply.header('content-type', MEDIA_TYPE).header('cache-control', MEDIA_CACHE).send(data);
}

/** Aborts when the client goes away before we answer, so a held request stops waiting. */
function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => ac.abort());
  return ac.signal;
}
