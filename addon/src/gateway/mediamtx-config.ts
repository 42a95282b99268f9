/**
 * Generates MediaMTX's config file (mediamtx.yml) from Lookout's resolved config: one path per
 * camera profile, the listeners Lookout uses, and nothing else. MediaMTX's parser is strict and
 * version-specific, so only keys that exist in the pinned release (MEDIAMTX_VERSION) are written.
 *
 * Camera credentials are written here and nowhere else (the file is 0600, see gateway.ts): MediaMTX
 * pulls the cameras, Lookout's FFmpeg reads MediaMTX over loopback without any credential.
 */
import { stringify } from 'yaml';
import type { ResolvedConfig, ResolvedProfile } from '../contracts/config.js';
import { PROFILE_NAMES, streamKey, type StreamKey } from '../contracts/stream-key.js';
import { gatewayCarries, mediamtxTransport, restreamPathName } from '../sources/resolve.js';

/** The release whose config keys and API (v3) this generator targets; setup builds exactly this. */
export const MEDIAMTX_VERSION = 'v1.20.1';

export interface GatewayListen {
  /** Address the LAN-facing listeners (RTSP restream, WebRTC ICE, SRT) bind to; '' = every interface. */
  host: string;
  rtspPort: number;
  /** WebRTC media (ICE), UDP and TCP on the same number. */
  webrtcPort: number;
  srtPort: number;
  /** Control API v3 and WHEP signalling: loopback only (Lookout proxies WHEP through its origin). */
  apiPort: number;
  whepPort: number;
  /** Extra ICE host candidates (the LAN address of the host, when the container cannot see it). */
  webrtcHosts: string[];
  /** Also announce every interface address as a host candidate. */
  webrtcInterfaces: boolean;
}

/** Credentials MediaMTX checks; generated once per install (gateway/credentials.ts). */
export interface GatewayUsers {
  /** Read-only user for the RTSP restream (HA's generic camera, Frigate, another NVR). */
  restream: { user: string; pass: string };
  /** Publish-only user for SRT ingest (encoders, the SRTLA receiver). */
  publisher: { user: string; pass: string };
}

export interface GatewayPath {
  name: string;
  key: StreamKey;
  kind: 'pull' | 'publish';
}

/** Every key the gateway carries, in config order. */
export function gatewayPaths(config: ResolvedConfig): GatewayPath[] {
  const out: GatewayPath[] = [];
  for (const cam of config.cameras) {
    if (!cam.enabled) continue;
    for (const name of PROFILE_NAMES) {
      const p = cam.profiles[name];
      const kind = p ? gatewayCarries(p) : null;
      if (kind) {
        const key = streamKey(cam.id, name);
        out.push({ name: restreamPathName(key), key, kind });
      }
    }
  }
  return out;
}

/** After the last reader leaves, the camera connection is held this long (spans an FFmpeg restart). */
const CLOSE_AFTER = '2s';

function pathEntry(profile: ResolvedProfile, kind: 'pull' | 'publish'): Record<string, unknown> {
  if (kind === 'publish') {
    // An `srt:` profile's passphrase is the path's: the sender (or the SRTLA receiver, which forwards
    // the encrypted SRT as is) keeps using it when MediaMTX takes the ingest.
    const passphrase = profile.srt?.passphrase;
    return {
      source: 'publisher',
      overridePublisher: true,
      ...(passphrase ? { srtPublishPassphrase: passphrase } : {}),
    };
  }
  return {
    source: profile.sourceUrl,
    // The camera is opened only while someone reads the path (Lookout's FFmpeg, a WebRTC viewer, a
    // restream client), and closed CLOSE_AFTER after the last one leaves.
    sourceOnDemand: true,
    sourceOnDemandStartTimeout: `${Math.max(1, Math.ceil(profile.tuning.startupGraceMs / 1000))}s`,
    sourceOnDemandCloseAfter: CLOSE_AFTER,
    rtspTransport: mediamtxTransport(profile.transport),
  };
}

const addr = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

export function buildMediamtxConfig(
  config: ResolvedConfig,
  listen: GatewayListen,
  users: GatewayUsers,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const path of gatewayPaths(config)) {
    const cam = config.cameras.find((c) => c.id === path.key.camera)!;
    paths[path.name] = pathEntry(cam.profiles[path.key.profile]!, path.kind);
  }
  const loopback = ['127.0.0.1/32', '::1/128'];
  return {
    logLevel: config.server.logLevel === 'debug' || config.server.logLevel === 'trace' ? 'debug' : 'info',
    logDestinations: ['stdout'],
    readTimeout: '10s',
    writeTimeout: '10s',
    authMethod: 'internal',
    authInternalUsers: [
      // Lookout itself (FFmpeg readers, the API, WHEP proxying) and local publishers such as the
      // SRTLA receiver: loopback only, no credential, so none appears in any process's arguments.
      {
        user: 'any',
        pass: '',
        ips: loopback,
        permissions: [{ action: 'read' }, { action: 'publish' }, { action: 'api' }],
      },
      { user: users.restream.user, pass: users.restream.pass, ips: [], permissions: [{ action: 'read' }] },
      {
        user: users.publisher.user,
        pass: users.publisher.pass,
        ips: [],
        permissions: [{ action: 'publish' }],
      },
    ],
    api: true,
    apiAddress: addr('127.0.0.1', listen.apiPort),
    metrics: false,
    pprof: false,
    playback: false,
    rtsp: true,
    // TCP only: one port to publish in the add-on, predictable through Docker's NAT.
    rtspTransports: ['tcp'],
    rtspEncryption: 'no',
    rtspAddress: addr(listen.host, listen.rtspPort),
    rtspAuthMethods: ['basic'],
    rtmp: false,
    // Lookout serves LL-HLS itself from its hub.
    hls: false,
    webrtc: true,
    webrtcAddress: addr('127.0.0.1', listen.whepPort),
    webrtcLocalUDPAddress: addr(listen.host, listen.webrtcPort),
    webrtcLocalTCPAddress: addr(listen.host, listen.webrtcPort),
    webrtcIPsFromInterfaces: listen.webrtcInterfaces,
    webrtcAdditionalHosts: listen.webrtcHosts,
    webrtcICEServers2: [],
    srt: true,
    srtAddress: addr(listen.host, listen.srtPort),
    // MoQ is on by default and writes a self-signed key pair into the working directory.
    moq: false,
    pathDefaults: {},
    paths,
  };
}

export function renderMediamtxConfig(doc: Record<string, unknown>): string {
  return (
    `# Generated by Lookout for MediaMTX ${MEDIAMTX_VERSION}; rewritten on every start and config reload.\n` +
    `# Holds camera credentials: mode 0600, never copy it into logs or issues.\n` +
    // Every string quoted: MediaMTX reads YAML 1.1, where a bare no/off/yes is a boolean.
    stringify(doc, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })
  );
}
