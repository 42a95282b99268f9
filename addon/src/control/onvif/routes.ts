/**
 * Camera control API:
 *   GET    /api/cameras/:id/ptz                  what the camera supports
 *   POST   /api/cameras/:id/ptz/move             {pan, tilt, zoom, timeout_ms?} continuous move (auto-stops)
 *   POST   /api/cameras/:id/ptz/stop
 *   POST   /api/cameras/:id/ptz/home
 *   POST   /api/cameras/:id/ptz/relative|absolute {pan, tilt, zoom}
 *   GET    /api/cameras/:id/presets              [{name}]
 *   POST   /api/cameras/:id/presets/:name/goto
 *   PUT    /api/cameras/:id/presets/:name        save the current position (create or overwrite)
 *   DELETE /api/cameras/:id/presets/:name
 *   GET    /api/events                           feed health and current state per camera/kind
 *   GET    /api/events/stream                    live Server-Sent Events: motion, state, feed
 * 404 unknown camera/preset, 409 camera without PTZ/ONVIF (with the reason), 400 bad body,
 * 502 camera fault (fault text, never a secret).
 */
import type { FastifyInstance } from 'fastify';
import type {
  PresetSavedAnswer,
  PresetsAnswer,
  PtzCapabilitiesAnswer,
  PtzMoveAnswer,
  PtzMoveBody,
  PtzOkAnswer,
  PtzVectorBody,
} from '../../contracts/ptz.js';
import { redactor } from '../../lib/redact.js';
import type { CameraControl } from './control.js';
import { MAX_MOVE_TIMEOUT_MS, type Velocity } from './ptz.js';

const axis = { type: 'number', minimum: -1, maximum: 1 } as const;
const vectorSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { pan: axis, tilt: axis, zoom: axis },
} as const;
const moveSchema = {
  ...vectorSchema,
  properties: {
    ...vectorSchema.properties,
    timeout_ms: { type: 'integer', minimum: 50, maximum: MAX_MOVE_TIMEOUT_MS },
  },
} as const;

type IdParams = { Params: { id: string } };
type PresetParams = { Params: { id: string; name: string } };

const velocity = (b: PtzVectorBody | null): Velocity => ({
  pan: b?.pan ?? 0,
  tilt: b?.tilt ?? 0,
  zoom: b?.zoom ?? 0,
});
const ok: PtzOkAnswer = { ok: true };

export function controlRoutes(app: FastifyInstance, control: CameraControl): void {
  // Open event streams would keep close() waiting forever: end them first.
  const streams = new Set<{ end: () => void }>();
  app.addHook('preClose', (done) => {
    for (const s of streams) s.end();
    done();
  });

  app.get<IdParams>('/api/cameras/:id/ptz', async (req): Promise<PtzCapabilitiesAnswer> => {
    const ptz = control.ptz(req.params.id);
    const c = await ptz.capabilities();
    return {
      camera: req.params.id,
      continuous: c.continuous,
      relative: c.relative,
      absolute: c.absolute,
      home: c.home,
      presets: c.presets && ptz.configRefusal(true) === null,
      max_presets: c.maxPresets,
    };
  });

  app.post<IdParams & { Body: PtzMoveBody | null }>(
    '/api/cameras/:id/ptz/move',
    { schema: { body: moveSchema } },
    async (req): Promise<PtzMoveAnswer> => {
      const r = await control.ptz(req.params.id).move(velocity(req.body), req.body?.timeout_ms);
      return { ok: true, stops_in_ms: r.stopsInMs };
    },
  );

  app.post<IdParams>('/api/cameras/:id/ptz/stop', async (req) => {
    await control.ptz(req.params.id).stop();
    return ok;
  });

  app.post<IdParams>('/api/cameras/:id/ptz/home', async (req) => {
    await control.ptz(req.params.id).home();
    return ok;
  });

  for (const kind of ['relative', 'absolute'] as const) {
    app.post<IdParams & { Body: PtzVectorBody | null }>(
      `/api/cameras/:id/ptz/${kind}`,
      { schema: { body: vectorSchema } },
      async (req) => {
        await control.ptz(req.params.id)[kind](velocity(req.body));
        return ok;
      },
    );
  }

  app.get<IdParams>('/api/cameras/:id/presets', async (req): Promise<PresetsAnswer> => {
    const presets = await control.ptz(req.params.id).presets();
    return { camera: req.params.id, presets: presets.map((p) => ({ name: p.name })) };
  });

  app.post<PresetParams>('/api/cameras/:id/presets/:name/goto', async (req) => {
    await control.ptz(req.params.id).gotoPreset(req.params.name);
    return ok;
  });

  app.put<PresetParams>('/api/cameras/:id/presets/:name', async (req, reply) => {
    const r = await control.ptz(req.params.id).savePreset(req.params.name);
    const answer: PresetSavedAnswer = {
      camera: req.params.id,
      preset: { name: r.preset.name },
      created: r.created,
    };
    return reply.status(r.created ? 201 : 200).send(answer);
  });

  app.delete<PresetParams>('/api/cameras/:id/presets/:name', async (req, reply) => {
    await control.ptz(req.params.id).removePreset(req.params.name);
    return reply.status(204).send();
  });

  app.get('/api/events', async () => control.events());

  app.get('/api/events/stream', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no', // Home Assistant ingress / nginx: do not buffer the stream
    });
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${redactor.redact(JSON.stringify(data))}\n\n`);
    };
    // Current state first, so a client never has to combine GET /api/events with the stream.
    send('snapshot', control.events());
    const onMotion = (d: unknown) => send('motion', d);
    const onState = (d: unknown) => send('state', d);
    const onFeed = (d: unknown) => send('feed', d);
    control.on('motion', onMotion);
    control.on('state', onState);
    control.on('feed', onFeed);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const cleanup = () => {
      clearInterval(heartbeat);
      control.off('motion', onMotion);
      control.off('state', onState);
      control.off('feed', onFeed);
    };
    const handle = { end: () => res.end() };
    streams.add(handle);
    req.raw.on('close', cleanup);
    res.on('close', () => {
      streams.delete(handle);
      cleanup();
    });
  });
}
