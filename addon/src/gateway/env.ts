/**
 * The gateway's settings for `lookout serve`, from the environment (the add-on's run script sets
 * them from the add-on options; a developer can too). Unset: the defaults of gateway.ts, with the
 * LAN-facing listeners bound where Lookout's own listener is (loopback in the demo).
 *
 *   LOOKOUT_MEDIAMTX            binary path, or `off` (gateway/binary.ts)
 *   LOOKOUT_GATEWAY_HOST        bind address of RTSP / WebRTC ICE / SRT ('' or 0.0.0.0: all)
 *   LOOKOUT_RTSP_PORT           RTSP restream (8554)
 *   LOOKOUT_WEBRTC_PORT         WebRTC ICE, UDP and TCP (8189)
 *   LOOKOUT_SRT_PORT            SRT ingest (8890)
 *   LOOKOUT_MEDIAMTX_API_PORT   control API, loopback (9997)
 *   LOOKOUT_WHEP_PORT           WHEP signalling, loopback (8889)
 *   LOOKOUT_WEBRTC_HOSTS        extra ICE host candidates, comma separated (the host's LAN address)
 *   LOOKOUT_PUBLIC_HOST         host name put into restream URLs (default: the Host the client used)
 */
import type { GatewayListen } from './mediamtx-config.js';

export interface GatewayEnvOptions {
  listen: Partial<GatewayListen>;
  publicHost: string | null;
}

export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv, lookoutHost: string): GatewayEnvOptions {
  const listen: Partial<GatewayListen> = {};
  const port = (name: string, key: 'rtspPort' | 'webrtcPort' | 'srtPort' | 'apiPort' | 'whepPort') => {
    const v = env[name];
    if (v === undefined || v === '') return;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${v} is not a port (1-65535)`);
    listen[key] = n;
  };
  port('LOOKOUT_RTSP_PORT', 'rtspPort');
  port('LOOKOUT_WEBRTC_PORT', 'webrtcPort');
  port('LOOKOUT_SRT_PORT', 'srtPort');
  port('LOOKOUT_MEDIAMTX_API_PORT', 'apiPort');
  port('LOOKOUT_WHEP_PORT', 'whepPort');
  const host = env.LOOKOUT_GATEWAY_HOST ?? lookoutHost;
  listen.host = host === '0.0.0.0' || host === '::' ? '' : host;
  const hosts = (env.LOOKOUT_WEBRTC_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hosts.length) listen.webrtcHosts = hosts;
  // Bound to one address: announce that one (interface addresses would be unreachable).
  if (listen.host) {
    listen.webrtcInterfaces = false;
    listen.webrtcHosts = [...new Set([...(listen.webrtcHosts ?? []), listen.host])];
  }
  return { listen, publicHost: env.LOOKOUT_PUBLIC_HOST || null };
}
