/**
 * WebRTC (WHEP) signalling through Lookout's own origin, so the API token, the session cookie or
 * HA's ingress session covers it and the browser never talks to MediaMTX's HTTP port (bound to
 * loopback). Media then flows browser ⇄ MediaMTX directly over ICE (UDP/TCP on the gateway's
 * WebRTC port).
 *
 *   POST   /api/webrtc/:camera/:profile/whep           SDP offer → 201 SDP answer; Location: whep/<id>
 *   PATCH  /api/webrtc/:camera/:profile/whep/:session  trickle ICE / ICE restart (passed through)
 *   DELETE /api/webrtc/:camera/:profile/whep/:session  ends the session
 *
 * The Location is relative (`whep/<id>`, resolved against the POST URL), so it works under any
 * ingress prefix. No lease is taken: a WebRTC viewer reads MediaMTX, whose on-demand path holds the
 * one camera connection while anyone reads it.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROFILE_NAMES, streamKey, type ProfileName } from '../../contracts/stream-key.js';
import type { MediamtxGateway } from '../../gateway/gateway.js';
import { badRequest, notFound } from '../../lib/errors.js';
import type { StreamStatuses } from '../../supervisor/ports.js';

interface Params {
  camera: string;
  profile: ProfileName;
  session?: string;
}

/** SDP offers are a few KiB; anything bigger is not one. */
const MAX_SDP_BYTES = 64 * 1024;
const SESSION_RE = /^[A-Za-z0-9-]{1,64}$/;

export function webrtcRoutes(app: FastifyInstance, sup: StreamStatuses, gateway: MediamtxGateway): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      ['application/sdp', 'application/trickle-ice-sdpfrag'],
      { parseAs: 'string', bodyLimit: MAX_SDP_BYTES },
      (_req, body, done) => done(null, body),
    );

    const target = (p: Params) => {
      if (!(PROFILE_NAMES as readonly string[]).includes(p.profile)) throw notFound(`profile "${p.profile}"`);
      const key = streamKey(p.camera, p.profile);
      sup.status(key); // unknown camera/profile → 404, disabled → 409, like every other key route
      if (!gateway.hasPath(key))
        throw notFound(`WebRTC for ${p.camera}/${p.profile} (its source is not carried by the gateway)`);
      return key;
    };

    scope.post<{ Params: Params; Body: string }>('/api/webrtc/:camera/:profile/whep', async (req, reply) => {
      const key = target(req.params);
      if (typeof req.body !== 'string' || !req.body.startsWith('v='))
        throw badRequest('the body must be an SDP offer (application/sdp)');
      const res = await fetch(gateway.whepUrl(key), {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: req.body,
        signal: AbortSignal.timeout(15_000),
      });
      const location = res.headers.get('location') ?? '';
      const session = location.slice(location.lastIndexOf('/') + 1);
      if (res.status === 201 && SESSION_RE.test(session)) reply.header('location', `whep/${session}`);
      return pass(reply, res);
    });

    scope.patch<{ Params: Params; Body: string }>(
      '/api/webrtc/:camera/:profile/whep/:session',
      async (req, reply) => {
        const key = target(req.params);
        const session = checkSession(req.params.session);
        const res = await fetch(gateway.whepUrl(key, `/${session}`), {
          method: 'PATCH',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/trickle-ice-sdpfrag' },
          body: typeof req.body === 'string' ? req.body : '',
          signal: AbortSignal.timeout(10_000),
        });
        return pass(reply, res);
      },
    );

    scope.delete<{ Params: Params }>('/api/webrtc/:camera/:profile/whep/:session', async (req, reply) => {
      const key = target(req.params);
      const session = checkSession(req.params.session);
      const res = await fetch(gateway.whepUrl(key, `/${session}`), {
        method: 'DELETE',
        signal: AbortSignal.timeout(10_000),
      });
      return pass(reply, res);
    });
  });
}

function checkSession(s: string | undefined): string {
  if (!s || !SESSION_RE.test(s)) throw badRequest('bad WHEP session id');
  return s;
}

/** Status, content type, ETag and body of MediaMTX's answer; its errors keep Lookout's error shape. */
async function pass(reply: FastifyReply, res: Response): Promise<FastifyReply> {
  const text = await res.text();
  if (res.status >= 400) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      /* plain text */
    }
    return reply.status(res.status === 404 ? 404 : res.status >= 500 ? 502 : res.status).send({
      error: { code: res.status === 404 ? 'not_found' : 'gateway_error', message: `MediaMTX: ${message}` },
    });
  }
  const etag = res.headers.get('etag');
  if (etag) reply.header('etag', etag);
  const type = res.headers.get('content-type');
  if (type) reply.type(type);
  return reply.status(res.status).send(text);
}
