/**
 * The live outputs that hang off the API server: MSE over WebSocket, snapshots and the panel page
 * at `/`. One fastify plugin, so app.ts registers them with one line and shutdown (app.close) ends
 * their sockets and awaits their FFmpeg decodes.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../lib/log.js';
import type { ApiLimits } from '../control/api/limits.js';
import type { CameraDirectory } from '../supervisor/ports.js';
import { mseWsRoutes } from './mse-ws/routes.js';
import { panelRoutes } from './panel/routes.js';
import { snapshotRoutes } from './snapshot/routes.js';
import { SnapshotService } from './snapshot/snapshot-service.js';
import type { MseHost } from './mse-ws/session.js';
import type { SnapshotHost } from './snapshot/snapshot-service.js';
import type { TalkService } from '../talkback/service.js';
import { talkRoutes } from '../talkback/routes.js';

/** What the live outputs (MSE, snapshots) need from the supervisor. */
export type LiveOutputsHost = MseHost & SnapshotHost & CameraDirectory;

export interface LiveOutputsOptions {
  supervisor: LiveOutputsHost;
  log: Logger;
  ffmpegPath?: string;
  /**
   * One service shared by every listener (and MQTT), so concurrent requests from anywhere share one
   * decode and one cache. Absent: the app makes its own and closes it with itself.
   */
  snapshots?: SnapshotService;
  /** Two-way audio: its WebSocket needs the @fastify/websocket registered here, so its routes are too. */
  talk?: TalkService;
  /** WebSocket caps and drop counters (control/api/limits.ts); absent: unbounded (unit tests). */
  limits?: ApiLimits;
  /** Their connections carry the client's address in X-Forwarded-For (per-client socket cap). */
  trustedProxies?: readonly string[];
}

export async function liveOutputs(app: FastifyInstance, opts: LiveOutputsOptions): Promise<void> {
  const snapshots =
    opts.snapshots ??
    new SnapshotService({ supervisor: opts.supervisor, log: opts.log, ffmpegPath: opts.ffmpegPath });
  if (!opts.snapshots) app.addHook('onClose', () => snapshots.close());
  await mseWsRoutes(app, opts.supervisor, opts.log, opts.limits, opts.trustedProxies);
  if (opts.talk) talkRoutes(app, opts.talk, opts.log);
  snapshotRoutes(app, opts.supervisor, snapshots);
  panelRoutes(app);
}
