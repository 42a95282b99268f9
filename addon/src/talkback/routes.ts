/**
 * Talkback routes (behind the API's auth like every other route):
 *   GET  /api/talk                     every camera's backchannel (the same views as /api/streams)
 *   GET  /api/talk/:camera/ws          WebSocket: browser microphone (contracts/talk.ts)
 *   POST /api/talk/:camera/play        TalkPlayBody → TalkPlayAnswer once playback ended
 * Registered inside the live-outputs plugin, where @fastify/websocket lives (a second registration
 * would add a second upgrade listener to the same server).
 */
import type { FastifyInstance } from 'fastify';
import type { TalkPlayBody } from '../contracts/talk.js';
import { LookoutError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { TalkService } from './service.js';
import { TalkLimitError } from './session.js';
import { TalkSinkError } from './sink.js';
import { WsTalker } from './ws-talker.js';

const STATUS: Record<string, number> = {
  busy: 409,
  limit: 429,
  unsupported: 501,
  unreachable: 502,
  auth: 502,
  failed: 502,
};

const cameraParams = {
  type: 'object',
  required: ['camera'],
  properties: { camera: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export function talkRoutes(app: FastifyInstance, service: TalkService, log: Logger): void {
  const talkers = new Set<WsTalker>();
  app.addHook('onClose', async () => {
    await Promise.all([...talkers].map((t) => t.close()));
  });

  app.get('/api/talk', async () => ({ backchannels: service.views() }));

  app.get<{ Params: { camera: string } }>(
    '/api/talk/:camera/ws',
    { websocket: true, schema: { params: cameraParams } },
    (socket, req) => {
      const t = new WsTalker(socket, service, req.params.camera, service.log, req.ip);
      talkers.add(t);
      socket.once('close', () => talkers.delete(t));
    },
  );

  app.post<{ Params: { camera: string }; Body: TalkPlayBody }>(
    '/api/talk/:camera/play',
    {
      schema: {
        params: cameraParams,
        body: {
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2048 },
            volume: { type: 'number', minimum: 0, maximum: 4 },
          },
        },
      },
    },
    async (req, reply) => {
      // The client hanging up stops the playback (an automation cancelled, a curl interrupted).
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      try {
        return await service.play(req.params.camera, req.body, abort.signal);
      } catch (err) {
        if (err instanceof TalkSinkError || err instanceof TalkLimitError) {
          log.info({ camera: req.params.camera, code: err.code, err: err.message }, 'talk play not served');
          throw new LookoutError(STATUS[err.code] ?? 502, err.code, err.message);
        }
        throw err;
      }
    },
  );
}
