/**
 * Bounds on what clients can open on the HTTP listeners (WebSockets, SSE streams), shared by both
 * listeners, and the count of everything refused or cut, by reason, for /metrics. Connection-level
 * bounds (header/body timeouts) are Fastify's and Node's options, set in app.ts.
 */
import { digestStats } from '../../lib/http-digest.js';
import { ffmpegHelpers } from '../../lib/slots.js';

export const DROP_REASONS = [
  /** Host header not in the allowlist (DNS rebinding). */
  'host_not_allowed',
  /** Cross-origin state-changing request or WebSocket upgrade from a page not in cors_origins. */
  'origin_not_allowed',
  /** A body that is not JSON on a JSON route (the CORS "simple request" trick). */
  'unsupported_media_type',
  /** A WebSocket beyond the total cap. */
  'ws_total',
  /** A WebSocket beyond the per-client-address cap. */
  'ws_per_client',
  /** A WebSocket closed because its send buffer passed the bound (a reader that never reads). */
  'ws_send_buffer',
  /** An SSE stream beyond the cap. */
  'sse_clients',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface ApiLimitSettings {
  /** WebSockets open at once on all listeners. */
  maxSockets: number;
  /** WebSockets open at once from one client address (a page uses one per Lookout). */
  maxSocketsPerClient: number;
  /** A socket whose unsent data passes this is closed (the session holds readers at 6 MiB). */
  maxSocketBufferBytes: number;
  /** SSE streams (recording and event feeds) open at once. */
  maxSseClients: number;
}

export const API_LIMIT_DEFAULTS: Readonly<ApiLimitSettings> = Object.freeze({
  maxSockets: 128,
  maxSocketsPerClient: 16,
  maxSocketBufferBytes: 16 * 1024 * 1024,
  maxSseClients: 64,
});

/** A claim on a place; release() is idempotent. */
export type Release = () => void;

export class ApiLimits {
  readonly settings: ApiLimitSettings;
  readonly drops: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
    DropReason,
    number
  >;
  private sockets = 0;
  private readonly perClient = new Map<string, number>();
  private sse = 0;

  constructor(settings: Partial<ApiLimitSettings> = {}) {
    this.settings = { ...API_LIMIT_DEFAULTS, ...settings };
  }

  count(reason: DropReason): void {
    this.drops[reason] += 1;
  }

  /** A WebSocket place for `client`; a refusal message (and the drop counted) when full. */
  acquireSocket(client: string): Release | string {
    const { maxSockets, maxSocketsPerClient } = this.settings;
    if (this.sockets >= maxSockets) {
      this.count('ws_total');
      return `too many WebSockets open (${maxSockets}); close other Lookout pages and try again`;
    }
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= maxSocketsPerClient) {
      this.count('ws_per_client');
      return `too many WebSockets from this address (${maxSocketsPerClient}); one page needs one`;
    }
    this.sockets += 1;
    this.perClient.set(client, mine + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.sockets -= 1;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    };
  }

  /** An SSE place; null (drop counted) when full. */
  acquireSse(): Release | null {
    if (this.sse >= this.settings.maxSseClients) {
      this.count('sse_clients');
      return null;
    }
    this.sse += 1;
    let done = false;
    return () => {
      if (!done) this.sse -= 1;
      done = true;
    };
  }

  get openSockets(): number {
    return this.sockets;
  }

  get openSse(): number {
    return this.sse;
  }
}

/** Prometheus text: open sockets/streams and every drop by reason (with the helpers' and CGI's). */
export function renderLimitMetrics(limits: ApiLimits): string {
  const drops: Array<[string, number]> = [
    ...DROP_REASONS.map((r): [string, number] => [r, limits.drops[r]]),
    ['ffmpeg_helpers', ffmpegHelpers.refused],
    ['digest_body', digestStats.oversizedBodies],
  ];
  return [
    '# HELP lookout_http_dropped_total Requests, sockets and answers refused or cut by a bound, by reason.',
    '# TYPE lookout_http_dropped_total counter',
    ...drops.map(([r, n]) => `lookout_http_dropped_total{reason="${r}"} ${n}`),
    '# HELP lookout_http_websockets Open WebSockets (all listeners).',
    '# TYPE lookout_http_websockets gauge',
    `lookout_http_websockets ${limits.openSockets}`,
    '# HELP lookout_http_sse_clients Open server-sent event streams.',
    '# TYPE lookout_http_sse_clients gauge',
    `lookout_http_sse_clients ${limits.openSse}`,
    '# HELP lookout_ffmpeg_helpers Picture FFmpeg helpers running (snapshots, thumbnails).',
    '# TYPE lookout_ffmpeg_helpers gauge',
    `lookout_ffmpeg_helpers ${ffmpegHelpers.active}`,
    '',
  ].join('\n');
}
