/**
 * Builds the HTTP API (routes only; main.ts listens on it, once for HTTP/1.1 and once for HTTP/2 over
 * TLS, and tests can use app.inject()).
 * Every answer passes the redactor on its way out: even a bug that put a source URL with a password
 * into a response could not leak it.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../lib/log.js';
import { urlRedactor, type Redactor } from '../../lib/redact.js';
import { renderRecordingMetrics, type RecordingService } from '../../outputs/recorder/service.js';
import type { CameraControl } from '../camera-control.js';
import { eventRoutes } from '../events/routes.js';
import { ptzRoutes } from '../ptz/routes.js';
import type { StreamLeases } from '../../supervisor/ports.js';
import { liveOutputs } from '../../outputs/live-outputs.js';
import type { SnapshotService } from '../../outputs/snapshot/snapshot-service.js';
import { LlhlsOrigin, llhlsRoutes } from '../../outputs/llhls/index.js';
import { webrtcRoutes } from '../../outputs/webrtc/routes.js';
import type { MediamtxGateway } from '../../gateway/gateway.js';
import { renderGatewayMetrics } from '../../gateway/metrics.js';
import { installAuth, type AuthOptions } from './auth.js';
import { frameworkError, installErrorHandlers } from './errors.js';
import { installGuard, type GuardOptions } from './http-guard.js';
import { ApiLimits, renderLimitMetrics } from './limits.js';
import { boundServer, IDLE_SOCKET_MS, installBodyTimeout, KEEP_ALIVE_MS } from './timeouts.js';
import { cameraRoutes } from './routes/cameras.js';
import { probeRoutes } from './routes/probe.js';
import { healthRoutes } from './routes/health.js';
import { recordingRoutes } from './routes/recordings.js';
import { srtlaRoutes } from './routes/srtla.js';
import { streamRoutes } from './routes/streams.js';
import { renderLeaseMetrics, renderMqttMetrics, renderSrtlaMetrics, renderTalkMetrics } from './metrics.js';
import type { LeaseStats } from '../../supervisor/leases.js';
import type { MqttRefusals } from '../mqtt/service.js';
import type { SrtlaService } from '../../sources/srtla/service.js';
import type { TalkService } from '../../talkback/service.js';
import type { LlhlsHost } from '../../outputs/llhls/origin.js';
import type { LiveOutputsHost } from '../../outputs/live-outputs.js';
import type { ViewHost } from './views.js';

/** Everything the API's routes read from the supervisor (the union of their narrow needs). */
export type ApiHost = ViewHost & LiveOutputsHost & LlhlsHost & StreamLeases;

export interface ApiDeps {
  supervisor: ApiHost;
  log: Logger;
  version: string;
  /** Absent: no recording routes (tests that build the API without the recorder). */
  recordings?: RecordingService;
  /** One LL-HLS origin shared by every listener; absent: the app makes its own and closes it with itself. */
  llhls?: LlhlsOrigin;
  /** Absent: no PTZ/preset/event routes (tests that build the API without camera control). */
  control?: CameraControl;
  /** One snapshot service shared by every listener; absent: the app makes its own. */
  snapshots?: SnapshotService;
  /** API token and trusted proxies (auth.ts); absent or token null: no authentication. */
  auth?: AuthOptions;
  /**
   * Host allowlist, CORS origins and Origin checks (http-guard.ts). Absent: the defaults for a
   * loopback listener (no extra names, no CORS origins).
   */
  guard?: Partial<GuardOptions>;
  /** Socket/SSE caps and drop counters shared by every listener; absent: the app makes its own. */
  limits?: ApiLimits;
  /** The MediaMTX gateway (WebRTC, RTSP restream, SRT); absent or null: Lookout runs without it. */
  gateway?: MediamtxGateway | null;
  /** SRTLA receivers: groups in /api/streams, /api/srtla/stats, metrics; absent: none. */
  srtla?: SrtlaService;
  /** Two-way audio: /api/talk routes, backchannels in /api/streams, talk metrics; absent: none. */
  talk?: TalkService;
  /** Client leases held and refused (supervisor.leaseStats), in /metrics; absent: not shown. */
  leaseStats?: () => LeaseStats;
  /** MQTT refusals (MqttService.stats), in /metrics; absent or null: no MQTT. */
  mqttStats?: () => MqttRefusals | null;
  /** The app's redactor, applied to every answer; absent: the URL rules alone (tests). */
  redactor?: Redactor;
}

/** PEM key and certificate: the app is then served as HTTP/2 over TLS (HTTP/1.1 still accepted). */
export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
}

export function buildApi(deps: ApiDeps, tls?: TlsMaterial): FastifyInstance {
  // Same routes for both listeners; the h2 instance's types differ only in raw req/res, which the
  // routes use as plain streams, hence the cast.
  const server: object = tls
    ? { http2: true, https: { allowHTTP1: true, key: tls.key, cert: tls.cert } }
    : {};
  const app = Fastify({
    ...server,
    // Per-request lines are info level; the API logs only warnings and errors (LL-HLS alone makes
    // several requests a second per viewer).
    loggerInstance: deps.log.child({ component: 'api' }, { level: 'warn' }) as FastifyBaseLogger,
    // Bodies are small JSON commands; anything bigger is a mistake or an attack.
    bodyLimit: 64 * 1024,
    frameworkErrors: frameworkError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    // Slow clients are bounded (timeouts.ts): idle sockets here, headers and bodies below.
    connectionTimeout: IDLE_SOCKET_MS,
    keepAliveTimeout: KEEP_ALIVE_MS,
  }) as unknown as FastifyInstance;
  boundServer(app.server);
  const limits = deps.limits ?? new ApiLimits();
  installErrorHandlers(app, limits);
  // First hooks of the root instance: they run before every route, the 404 handler and WebSocket
  // upgrades. The guard first: a rebinding Host or a foreign page is refused before credentials count.
  installBodyTimeout(app);
  installGuard(
    app,
    {
      bindHost: deps.guard?.bindHost ?? '127.0.0.1',
      allowedHosts: deps.guard?.allowedHosts ?? [],
      corsOrigins: deps.guard?.corsOrigins ?? [],
      trustedProxies: deps.guard?.trustedProxies ?? deps.auth?.trustedProxies ?? [],
    },
    limits,
  );
  if (deps.auth) installAuth(app, deps.auth);
  // JSON bodies only: Fastify's text/plain parser would let a CORS "simple request" (text/plain, no
  // preflight) from any page reach a route; without it such bodies get 415.
  app.removeContentTypeParser('text/plain');
  // An empty body with content-type JSON is "no options", not a parse error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, null);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const e = new Error(`malformed JSON body: ${(err as Error).message}`) as Error & { statusCode: number };
      e.statusCode = 400;
      done(e, undefined);
    }
  });
  const redactor = deps.redactor ?? urlRedactor;
  app.addHook('onSend', async (_req, _reply, payload) =>
    typeof payload === 'string' ? redactor.redact(payload) : payload,
  );

  const gateway = deps.gateway ?? null;
  cameraRoutes(app, deps.supervisor, gateway);
  probeRoutes(app, deps.supervisor);
  const srtlaStats = () => deps.srtla?.stats() ?? [];
  const talkViews = () => deps.talk?.views() ?? [];
  streamRoutes(app, deps.supervisor, gateway, srtlaStats, talkViews);
  const mqttMetrics = () => {
    const st = deps.mqttStats?.();
    return st ? renderMqttMetrics(st) : '';
  };
  srtlaRoutes(app, deps.srtla ?? null);
  healthRoutes(
    app,
    deps.supervisor,
    deps.version,
    async () =>
      (deps.recordings ? renderRecordingMetrics(await deps.recordings.status()) : '') +
      (gateway ? renderGatewayMetrics(await gateway.status()) : '') +
      (deps.srtla ? renderSrtlaMetrics(srtlaStats()) : '') +
      (deps.talk ? renderTalkMetrics(talkViews(), deps.talk.talkers) : '') +
      (deps.leaseStats ? renderLeaseMetrics(deps.leaseStats()) : '') +
      mqttMetrics() +
      renderLimitMetrics(limits),
  );
  if (gateway) webrtcRoutes(app, deps.supervisor, gateway);
  if (deps.recordings) recordingRoutes(app, deps.recordings, limits);
  if (deps.control) {
    ptzRoutes(app, deps.control);
    eventRoutes(app, deps.control, redactor, limits);
  }
  const origin = deps.llhls ?? new LlhlsOrigin(deps.supervisor);
  if (!deps.llhls) app.addHook('onClose', async () => origin.close());
  llhlsRoutes(app, origin);
  // MSE over WebSocket, snapshots and the panel page at / (a plugin: it registers @fastify/websocket).
  void app.register(liveOutputs, {
    supervisor: deps.supervisor,
    log: deps.log,
    snapshots: deps.snapshots,
    talk: deps.talk,
    limits,
    trustedProxies: deps.guard?.trustedProxies ?? deps.auth?.trustedProxies ?? [],
  });
  return app;
}
