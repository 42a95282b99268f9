/**
 * Turns supervisor state into API answers. Only fields listed here leave the process; the resolved
 * config (with secrets) is never serialised as a whole.
 */
import type { CameraDetail, CameraGateway, CameraSummary, StreamGraph } from '../../contracts/api.js';
import type { ResolvedCamera } from '../../contracts/config.js';
import type { StreamStatus } from '../../contracts/stream-state.js';
import { PROFILE_NAMES, keyId, streamKey } from '../../contracts/stream-key.js';
import type { SrtlaListenerStats } from '../../contracts/srtla.js';
import type { MediamtxGateway } from '../../gateway/gateway.js';
import { gatewayCarries, restreamPathName } from '../../sources/resolve.js';
import type { CameraDirectory, StreamStatuses } from '../../supervisor/ports.js';
import { VENDOR_REGISTRY } from '../../vendors/registry.js';

/** What the camera and stream views read from the supervisor. */
export type ViewHost = CameraDirectory & StreamStatuses;

/** The gateway and the Host the client used (restream URLs name a host the client can reach). */
export interface GatewayContext {
  gateway: MediamtxGateway | null;
  requestHost?: string;
}

export function cameraGateway(cam: ResolvedCamera, ctx: GatewayContext | undefined): CameraGateway | null {
  const gw = ctx?.gateway;
  if (!gw || !cam.enabled) return null;
  const host = gw.publicHost(ctx.requestHost);
  const restream = PROFILE_NAMES.flatMap((name) => {
    const p = cam.profiles[name];
    const kind = p ? gatewayCarries(p) : null;
    if (!kind) return [];
    const key = streamKey(cam.id, name);
    return [
      {
        profile: name,
        key: keyId(key),
        url: gw.restreamUrl(key, host),
        username: gw.users.restream.user,
        password: gw.users.restream.pass,
        srtPublishUrl: kind === 'publish' ? gw.srtPublishUrl(key, host) : null,
      },
    ];
  });
  return restream.length ? { webrtc: true, restream } : null;
}

function streamOf(
  sup: ViewHost,
  cam: ResolvedCamera,
  profile: (typeof PROFILE_NAMES)[number],
): StreamStatus | null {
  const key = streamKey(cam.id, profile);
  return cam.enabled && sup.hasKey(key) ? sup.status(key) : null;
}

export function cameraSummary(sup: ViewHost, cam: ResolvedCamera, gw?: GatewayContext): CameraSummary {
  return {
    id: cam.id,
    name: cam.name,
    vendor: cam.vendor,
    manufacturer: VENDOR_REGISTRY[cam.vendor].manufacturer,
    enabled: cam.enabled,
    hidden: cam.hidden,
    capabilities: cam.capabilities,
    profiles: PROFILE_NAMES.flatMap((name) => {
      const p = cam.profiles[name];
      if (!p) return [];
      const st = streamOf(sup, cam, name);
      return [
        {
          name,
          key: keyId(streamKey(cam.id, name)),
          source: p.displayUrl,
          transport: p.transport,
          mode: p.mode,
          state: st?.state ?? 'idle',
          viewers: st?.leases.length ?? 0,
          ...(p.srt?.srtlaPort != null ? { bonded: true } : {}),
        },
      ];
    }),
    gateway: cameraGateway(cam, gw),
  };
}

export function cameraDetail(sup: ViewHost, cam: ResolvedCamera, gw?: GatewayContext): CameraDetail {
  return {
    ...cameraSummary(sup, cam, gw),
    host: cam.host,
    hasCredentials: cam.credentials !== null,
    onvif: cam.onvif ? { host: cam.onvif.host, port: cam.onvif.port, path: cam.onvif.path } : null,
    streams: PROFILE_NAMES.flatMap((n) => streamOf(sup, cam, n) ?? []),
  };
}

/** `srtla`: the SRTLA receivers' stats; their groups appear as producers of the key they feed. */
export async function streamGraph(
  sup: ViewHost,
  gateway: MediamtxGateway | null = null,
  srtla: SrtlaListenerStats[] = [],
): Promise<StreamGraph> {
  const cameras = new Map(sup.cameras().map((c) => [c.id, c]));
  const groupsOf = (key: string) =>
    srtla
      .filter((l) => `${l.camera}/${l.profile}` === key)
      .flatMap((l) => l.groups)
      .map((g) => ({
        type: 'srtla' as const,
        group: g.id,
        target: g.target,
        pending: g.pending,
        bitrateKbps: g.bitrateKbps,
        links: g.links.map((k) => ({
          address: k.address,
          share: k.share,
          bitrateKbps: k.bitrateKbps,
          lastSeenAgoMs: k.lastSeenAgoMs,
        })),
      }));
  return {
    gateway: gateway ? await gateway.status() : null,
    streams: sup.statuses().map((s) => {
      const profile = cameras.get(s.camera)?.profiles[s.profile as 'main' | 'sub'];
      const key = streamKey(s.camera, s.profile as 'main' | 'sub');
      return {
        key: s.key,
        camera: s.camera,
        profile: s.profile,
        state: s.state,
        reason: s.reason,
        gatewayPath: gateway && profile && gatewayCarries(profile) ? restreamPathName(key) : null,
        producers: [
          {
            type: 'ffmpeg' as const,
            source: profile?.displayUrl ?? '',
            pid: s.pid,
            state: s.state,
            bitrateKbps: s.progress.bitrateKbps,
            fps: s.progress.fps,
          },
          ...groupsOf(s.key),
        ],
        consumers: s.leases,
      };
    }),
  };
}
