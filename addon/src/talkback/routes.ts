/**
 * Talkback routes (behind the API's auth like every other route):
 *   GET  /api/talk                     every camera's backchannel (the same views as /api/streams)
 *   GET  /api/talk/:camera/ws          WebSocket: browser microphone (contracts/talk.ts)
 *   POST /api/talk/:camera/play        TalkPlayBody (url, or base64 data), or the audio itself as
 *                                      the body (audio/*, application/octet-stream; ?volume=)
 *                                      → TalkPlayAnswer once playback ended
 * Registered inside the live-outputs plugin, where @fastify/websocket lives (a second registration
 * would add a second upgrade listener to the same server).
 */
import type { FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import { TALK_PLAY_MAX_BYTES, TALK_PLAY_MAX_URL, TALK_VOLUME, type TalkPlayBody } from '../contracts/talk.js';
import { badRequest, LookoutError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { TalkPlayRequest, TalkService } from './service.js';
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

  // The play route in a scope of its own: its raw-audio body parser and its larger body limit apply
  // to it alone.
  void app.register(async (scope) => {
    // The audio itself as the body (curl --data-binary @chime.wav -H 'content-type: audio/wav').
    const raw = (_req: unknown, body: Buffer | string, done: (e: null, b: unknown) => void) =>
      done(null, body);
    for (const type of ['application/octet-stream', /^audio\//])
      scope.addContentTypeParser(type, { parseAs: 'buffer' }, raw);
    scope.post<{ Params: { camera: string }; Body: TalkPlayBody | Buffer; Querystring: { volume?: string } }>(
      '/api/talk/:camera/play',
      {
        // JSON with `data`: base64 grows the audio by 4/3.
        bodyLimit: Math.ceil(TALK_PLAY_MAX_BYTES / 3) * 4 + 4096,
        schema: {
          params: cameraParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            // A string: this API's validator does not coerce; playRequest checks the number.
            properties: { volume: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 8 } },
          },
        },
      },
      async (req, reply) => {
        const request = playRequest(req.body, req.query.volume);
        // The client hanging up stops the playback (an automation cancelled, a curl interrupted).
        const abort = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        try {
          return await service.play(req.params.camera, request, abort.signal);
        } catch (err) {
          if (err instanceof TalkSinkError || err instanceof TalkLimitError) {
            log.info({ camera: req.params.camera, code: err.code, err: err.message }, 'talk play not served');
            throw new LookoutError(STATUS[err.code] ?? 502, err.code, err.message);
          }
          throw err;
        }
      },
    );
  });
}

/** Validates JSON bodies (TalkPlayBody: url or base64 data) and raw audio bodies, one shape out. */
const playBody = new Ajv({ allErrors: false }).compile({
  type: 'object',
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: TALK_PLAY_MAX_URL },
    data: {
      type: 'string',
      minLength: 4,
      maxLength: Math.ceil(TALK_PLAY_MAX_BYTES / 3) * 4,
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
    },
    volume: { type: 'number', minimum: TALK_VOLUME.min, maximum: TALK_VOLUME.max },
  },
  oneOf: [{ required: ['url'] }, { required: ['data'] }],
});

function playRequest(body: unknown, volumeText: string | undefined): TalkPlayRequest {
  const queryVolume = volumeText === undefined ? undefined : Number(volumeText);
  if (queryVolume !== undefined && !(queryVolume >= TALK_VOLUME.min && queryVolume <= TALK_VOLUME.max))
    throw badRequest(`volume must be ${TALK_VOLUME.min}..${TALK_VOLUME.max}`);
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw badRequest('the audio body is empty');
    // The route's limit is sized for base64 JSON; a raw body gets the audio's own limit.
    if (body.length > TALK_PLAY_MAX_BYTES)
      throw new LookoutError(413, 'too_large', `the audio is over ${TALK_PLAY_MAX_BYTES} bytes`);
    return { audio: body, ...(queryVolume !== undefined ? { volume: queryVolume } : {}) };
  }
  if (!playBody(body))
    throw badRequest('the body must be {url} or {data} (base64 audio), with an optional volume 0..4');
  const b = body as TalkPlayBody;
  const volume = b.volume ?? queryVolume;
  return {
    ...(b.url !== undefined ? { url: b.url } : { audio: Buffer.from(b.data!, 'base64') }),
    ...(volume !== undefined ? { volume } : {}),
  };
}
