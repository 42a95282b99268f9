/**
 * Streams and leases:
 *   GET    /api/streams                          producer/consumer graph of every key
 *   GET    /api/streams/:camera/:profile         one key's status
 *   POST   /api/streams/:camera/:profile/leases  take a lease (starts or revives the stream) → 201
 *   POST   /api/leases/:id/renew                 extend a lease
 *   DELETE /api/leases/:id                       release it (the stream stops after its idle timeout
 *                                                if nobody else holds one)
 */
import type { FastifyInstance } from 'fastify';
import type { LeaseAnswer, LeaseRequestBody } from '../../../contracts/api.js';
import { LEASE_KINDS } from '../../../contracts/stream-state.js';
import { PROFILE_NAMES, keyId, streamKey, type ProfileName } from '../../../contracts/stream-key.js';
import { leaseView, MAX_LEASE_TTL_MS, type Lease } from '../../../supervisor/leases.js';
import type { SrtlaListenerStats } from '../../../contracts/srtla.js';
import type { MediamtxGateway } from '../../../gateway/gateway.js';
import type { StreamLeases } from '../../../supervisor/ports.js';
import { streamGraph } from '../views.js';
import type { ViewHost } from '../views.js';

interface KeyParams {
  camera: string;
  profile: ProfileName;
}

const keyParamsSchema = {
  type: 'object',
  required: ['camera', 'profile'],
  properties: {
    camera: { type: 'string', minLength: 1 },
    profile: { type: 'string', enum: [...PROFILE_NAMES] },
  },
} as const;

const leaseBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...LEASE_KINDS] },
    ttl_ms: { type: 'integer', minimum: 1000, maximum: MAX_LEASE_TTL_MS },
    holder: { type: 'string', maxLength: 200 },
  },
} as const;

function leaseAnswer(sup: StreamLeases & ViewHost, lease: Lease): LeaseAnswer {
  return {
    lease: { ...leaseView(lease), key: keyId(lease.key), ttlMs: lease.ttlMs },
    stream: sup.status(lease.key),
  };
}

export function streamRoutes(
  app: FastifyInstance,
  sup: StreamLeases & ViewHost,
  gateway: MediamtxGateway | null = null,
  srtla: () => SrtlaListenerStats[] = () => [],
): void {
  app.get('/api/streams', async () => streamGraph(sup, gateway, srtla()));

  app.get<{ Params: KeyParams }>(
    '/api/streams/:camera/:profile',
    { schema: { params: keyParamsSchema } },
    async (req) => sup.status(streamKey(req.params.camera, req.params.profile)),
  );

  app.post<{ Params: KeyParams; Body: LeaseRequestBody | null }>(
    '/api/streams/:camera/:profile/leases',
    { schema: { params: keyParamsSchema, body: leaseBodySchema } },
    async (req, reply) => {
      const body = req.body ?? {};
      const { lease } = sup.acquireLease(streamKey(req.params.camera, req.params.profile), {
        kind: body.kind ?? 'api',
        ttlMs: body.ttl_ms,
        holder: body.holder ?? null,
        // Bounded per peer address (LEASE_LIMITS), not per the free-text holder a flood could vary.
        client: `http ${req.ip}`,
      });
      return reply.status(201).send(leaseAnswer(sup, lease));
    },
  );

  app.post<{ Params: { id: string }; Body: { ttl_ms?: number } | null }>(
    '/api/leases/:id/renew',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { ttl_ms: leaseBodySchema.properties.ttl_ms },
        },
      },
    },
    async (req) => leaseAnswer(sup, sup.renewLease(req.params.id, req.body?.ttl_ms)),
  );

  app.delete<{ Params: { id: string } }>('/api/leases/:id', async (req, reply) => {
    sup.releaseLease(req.params.id);
    return reply.status(204).send();
  });
}
