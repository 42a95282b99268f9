/**
 * PTZ and preset API (events are control/events/routes.ts):
 *   GET    /api/cameras/:id/ptz                  what the camera supports
 *   POST   /api/cameras/:id/ptz/move             {pan, tilt, zoom, timeout_ms?} continuous move (auto-stops)
 *   POST   /api/cameras/:id/ptz/stop
 *   POST   /api/cameras/:id/ptz/home
 *   POST   /api/cameras/:id/ptz/relative|absolute {pan, tilt, zoom}
 *   GET    /api/cameras/:id/presets              [{name}]
 *   POST   /api/cameras/:id/presets/:name/goto
 *   PUT    /api/cameras/:id/presets/:name        save the current position (create or overwrite)
 *   DELETE /api/cameras/:id/presets/:name
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
  PtzVelocity,
} from '../../contracts/ptz.js';
import { PTZ_AXIS, PTZ_MOVE_TIMEOUT_MS } from '../../contracts/ptz.js';
import type { PtzController } from './controller.js';

/** What the routes need: the PTZ controller of a camera (CameraControl; 404 for an unknown id). */
export interface PtzProvider {
  ptz(camera: string): PtzController;
}

const axis = { type: 'number', minimum: PTZ_AXIS.min, maximum: PTZ_AXIS.max } as const;
const vectorSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { pan: axis, tilt: axis, zoom: axis },
} as const;
const moveSchema = {
  ...vectorSchema,
  properties: {
    ...vectorSchema.properties,
    timeout_ms: { type: 'integer', minimum: PTZ_MOVE_TIMEOUT_MS.min, maximum: PTZ_MOVE_TIMEOUT_MS.max },
  },
} as const;

type IdParams = { Params: { id: string } };
type PresetParams = { Params: { id: string; name: string } };

const velocity = (b: PtzVectorBody | null): PtzVelocity => ({
  pan: b?.pan ?? 0,
  tilt: b?.tilt ?? 0,
  zoom: b?.zoom ?? 0,
});
const ok: PtzOkAnswer = { ok: true };

export function ptzRoutes(app: FastifyInstance, control: PtzProvider): void {
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
      max_presets: c.max_presets,
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
}
