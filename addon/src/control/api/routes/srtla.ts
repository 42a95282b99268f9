/**
 * GET /api/srtla/stats: the SRTLA receivers in the shape bitrate switchers (NOALBS and the like)
 * poll: per stream its bitrate, RTT (from the sender's extended keepalives, when it sends them),
 * lost packets and per-link figures; `listeners` has every group and link in full.
 */
import type { FastifyInstance } from 'fastify';
import type { SrtlaListenerStats, SrtlaStatsAnswer } from '../../../contracts/srtla.js';
import type { SrtlaService } from '../../../sources/srtla/service.js';

export function srtlaStatsAnswer(listeners: SrtlaListenerStats[], enabled: boolean): SrtlaStatsAnswer {
  const publishers: SrtlaStatsAnswer['publishers'] = {};
  const now = Date.now();
  for (const l of listeners) {
    // The live group: the one that forwarded most recently (a sender that re-registered leaves an old one behind).
    const g = l.groups
      .filter((x) => !x.pending)
      .sort(
        (a, b) =>
          Math.min(...a.links.map((k) => k.lastSeenAgoMs)) - Math.min(...b.links.map((k) => k.lastSeenAgoMs)),
      )[0];
    if (!g) continue;
    const rtts = g.links.map((k) => k.telemetry?.rttMs).filter((x): x is number => typeof x === 'number');
    publishers[`${l.camera}/${l.profile}`] = {
      bitrate: g.bitrateKbps,
      rtt: rtts.length ? Math.min(...rtts) : null,
      dropped_pkts: g.lostPackets,
      uptime: Math.round((now - Date.parse(g.createdAt)) / 1000),
      links: g.links.map((k) => ({
        address: k.address,
        share: k.share,
        bitrate: k.bitrateKbps,
        last_seen_ms: k.lastSeenAgoMs,
        loss:
          k.packetsForwarded > 0 ? Math.round((k.retransmittedPackets / k.packetsForwarded) * 1e4) / 1e4 : 0,
      })),
    };
  }
  return { enabled, publishers, listeners };
}

export function srtlaRoutes(app: FastifyInstance, srtla: SrtlaService | null): void {
  app.get('/api/srtla/stats', async (): Promise<SrtlaStatsAnswer> =>
    srtlaStatsAnswer(srtla?.stats() ?? [], srtla !== null),
  );
}
