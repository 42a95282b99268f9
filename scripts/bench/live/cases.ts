/**
 * The rows of bench:live's latency tables. A case says how the bench page starts one player for a
 * camera; live.ts runs each case the same way (a warm key: first frame and a glass-to-glass window;
 * idle keys: cold first frame) and prints the product's defaults first, tuned variants in their own
 * labelled table.
 *
 * To add rows (another player, a peer server), export a `LiveCase[]` from a module beside this one
 * and add it to `ALL_CASES` in live.ts. The page (page.js, `window.bench`) has hls.js as `Hls`, the
 * product's MSE client as `LookoutMse` and the panel's tile players as `LookoutPanel`.
 */
import { LIVE_EDGE_DEFAULTS } from '../../../panel/src/players/mse-client.js';

export type LiveTech = 'llhls' | 'mse' | 'webrtc';

export interface LiveCase {
  /** Unique, lower-case letters, digits and `-` (used in camera ids, CASES=, the JSON). */
  id: string;
  tech: LiveTech;
  /** The table row's name. */
  label: string;
  /** false: what users get (the product's players and defaults). true: a labelled variant. */
  tuned: boolean;
  /** The listener the page is loaded from: `tls` is the HTTP/2 listener (LL-HLS over h2). */
  origin: 'http' | 'tls';
  transport: string;
  /** Needs GATEWAY=1 (WebRTC comes from MediaMTX). */
  gateway?: boolean;
  /** A page expression that starts the player for `path` (`camera/profile`) and returns its id. */
  startJs(camera: string, profile: string): string;
  /** What the row was measured with (printed and written to the JSON). */
  settings: Record<string, unknown>;
}

const js = JSON.stringify;

/** The product's own tile players with their defaults: the rows users get. */
export function defaultCases(): LiveCase[] {
  return [
    {
      id: 'mse',
      tech: 'mse',
      label: 'panel MSE tile',
      tuned: false,
      origin: 'http',
      transport: 'WebSocket over HTTP/1.1 (/api/ws), one socket for the page',
      startJs: (c, p) => `window.bench.playPanel('mse', ${js(c)}, ${js(p)})`,
      settings: { player: 'panel MseTilePlayer', liveEdge: LIVE_EDGE_DEFAULTS },
    },
    {
      id: 'llhls',
      tech: 'llhls',
      label: 'panel LL-HLS tile, HTTP/2',
      tuned: false,
      origin: 'tls',
      transport: 'HTTP/2 over TLS (self-signed), the playlist as served',
      startJs: (c, p) => `window.bench.playPanel('llhls', ${js(c)}, ${js(p)})`,
      settings: { player: 'panel HlsTilePlayer (hls.js, its config)' },
    },
    {
      id: 'llhls-h1',
      tech: 'llhls',
      label: 'panel LL-HLS tile, HTTP/1.1',
      tuned: false,
      origin: 'http',
      transport: 'HTTP/1.1, the playlist as served',
      startJs: (c, p) => `window.bench.playPanel('llhls', ${js(c)}, ${js(p)})`,
      settings: { player: 'panel HlsTilePlayer (hls.js, its config)' },
    },
    {
      id: 'webrtc',
      tech: 'webrtc',
      label: 'panel WebRTC tile (MSE bridge until its first frame)',
      tuned: false,
      origin: 'http',
      gateway: true,
      transport: 'WebRTC from MediaMTX (WHEP through Lookout, ICE on loopback UDP)',
      startJs: (c, p) => `window.bench.playPanel('webrtc', ${js(c)}, ${js(p)})`,
      settings: {
        player: 'panel WebRtcBridgePlayer (WebRtcTilePlayer, MseTilePlayer until its first frame)',
      },
    },
  ];
}

/** hls.js settings of the old bench page: liveSyncDuration overrides the playlist's PART-HOLD-BACK. */
export const TUNED_HLS_CONFIG = {
  lowLatencyMode: true,
  liveSyncDuration: 0.5,
  liveMaxLatencyDuration: 2.5,
  maxLiveSyncPlaybackRate: 1.5,
  liveSyncOnStallIncrease: 0.1,
  backBufferLength: 4,
  maxBufferLength: 4,
};

/**
 * Variants no user's player runs as is, for comparison only: hls.js with a 0.5 s sync target and a
 * page-side catch-up seek; the MSE client with a different live-edge target (MSE_EDGE).
 */
export function tunedCases(opts: {
  hlsCatchUpS: number;
  hlsSyncS: number;
  mseEdgeS: readonly number[];
}): LiveCase[] {
  const hls = {
    ...TUNED_HLS_CONFIG,
    liveSyncDuration: opts.hlsSyncS,
    liveMaxLatencyDuration: Math.max(2.5, opts.hlsSyncS * 4),
  };
  const cases: LiveCase[] = [
    {
      id: 'llhls-tuned',
      tech: 'llhls',
      label: `hls.js liveSyncDuration ${opts.hlsSyncS} s + page catch-up seek, HTTP/2`,
      tuned: true,
      origin: 'tls',
      transport: 'HTTP/2 over TLS (self-signed)',
      startJs: (c, p) =>
        `window.bench.playHls(${js(`/hls/${c}/${p}/index.m3u8`)}, ${js(hls)}, ${opts.hlsCatchUpS})`,
      settings: { hlsJs: hls, pageCatchUpS: opts.hlsCatchUpS },
    },
  ];
  for (const e of opts.mseEdgeS) {
    const liveEdge = { ...LIVE_EDGE_DEFAULTS, edgeS: e, loS: e, hiS: e + 0.1 };
    cases.push({
      id: `mse-edge-${Math.round(e * 1000)}ms`,
      tech: 'mse',
      label: `MSE client, live edge ${e} s (MSE_EDGE)`,
      tuned: true,
      origin: 'http',
      transport: 'WebSocket over HTTP/1.1 (/api/ws)',
      startJs: (c, p) => `window.bench.playMse(${js(`${c}/${p}`)}, ${js(liveEdge)})`,
      settings: { liveEdge },
    });
  }
  return cases;
}
