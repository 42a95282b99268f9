/**
 * SRTLA (bonded SRT) receiver: its resolved settings and its stats, as the API, metrics and panel
 * see them. The receiver lives in addon/src/sources/srtla/; the protocol is ../shared/docs/SRTLA.md.
 */

export interface SrtlaLimits {
  /** Groups (bonded sessions) alive at once, per SRTLA port. */
  maxGroups: number;
  /** Connections (uplinks) per group. */
  maxConnectionsPerGroup: number;
  /** A connection silent this long is removed. */
  connectionTimeoutMs: number;
  /** A group with no connections left is removed this long after its last packet (or creation). */
  groupTimeoutMs: number;
  /** A group that never forwarded SRT data is removed this long after its creation. */
  pendingGroupTimeoutMs: number;
  /** REG1 + REG2 accepted per source IP address per second; more are dropped without an answer. */
  registrationsPerSecond: number;
  /** Groups without data (REG1 answered, nothing forwarded yet) one source IP may hold at once. */
  pendingGroupsPerAddress: number;
}

/** The `srtla:` section. */
export interface SrtlaSettings {
  enabled: boolean;
  /** Listen address of every SRTLA port; `::` is dual-stack (IPv4 peers appear as ::ffff:a.b.c.d). */
  host: string;
  /** Pad replies shorter than 32 bytes with zeros (some carrier NATs drop 2-byte datagrams). */
  padSmallReplies: boolean;
  limits: SrtlaLimits;
}

/** The `srt:` block of a profile: the camera is an SRT stream pushed to Lookout. */
export interface SrtIngest {
  /**
   * Where Lookout's own SRT listener (the key's FFmpeg, in listener mode) listens when no MediaMTX
   * takes the SRT ingest; the SRTLA receiver forwards to it. Default host 127.0.0.1.
   */
  host: string;
  port: number;
  /** SRT receive latency (buffer for retransmissions); bonded links want ~2 s. */
  latencyMs: number;
  /** SECRET. SRT passphrase (AES); null: unencrypted. */
  passphrase: string | null;
  /** UDP port of the SRTLA receiver that feeds this profile; null: plain SRT only. */
  srtlaPort: number | null;
}

/** Why a datagram was not handled; each is a counter (`lookout_srtla_drops_total{reason}`). */
export const SRTLA_DROP_REASONS = [
  'short', // < 2 bytes, or a non-keepalive SRT packet shorter than its 16-byte header
  'unknown_address', // not a registered connection (no reply, so we are no reflector)
  'srtla_type', // 0x9000-0x9FFF other than REG1/REG2/keepalive, or REG1/REG2 of the wrong length
  'rate_limited', // registrations over registrations_per_second from one address
  'groups_full', // REG1 refused: max_groups reached and no pending group to evict
  'pending_per_address', // REG1 refused: that address holds pending_groups_per_address already
  'address_in_use', // REG1/REG2 from an address that belongs to another group
  'connections_full', // REG2 refused: max_connections_per_group reached
  'unknown_group', // REG2 with an id no live group has (answered REG_NGP)
  'srt_unreachable', // the SRT listener refused a packet (ECONNREFUSED) or a send failed
  'srt_short', // packet from the SRT listener shorter than 16 bytes
] as const;
export type SrtlaDropReason = (typeof SRTLA_DROP_REASONS)[number];

/** Figures the sender reports in its extended (38-byte) keepalive, when it sends one. */
export interface SrtlaSenderTelemetry {
  window: number;
  inFlight: number;
  rttMs: number;
  nakCount: number;
  bitrateBytesPerS: number;
}

export interface SrtlaLinkStats {
  /** `ip:port` as the receiver sees it (IPv4 on a dual-stack socket: `::ffff:a.b.c.d`). */
  address: string;
  registeredAt: string;
  lastSeenAt: string;
  /** Milliseconds since the last datagram from this link. */
  lastSeenAgoMs: number;
  packetsReceived: number;
  bytesReceived: number;
  /** Of the packets received, those forwarded to the SRT listener (keepalives are not). */
  packetsForwarded: number;
  bytesForwarded: number;
  /** SRT data packets that were retransmissions (the R flag): the loss this link repaired. */
  retransmittedPackets: number;
  /** Packets from the SRT listener sent down this link (ACKs to all; others to the latest link). */
  packetsReturned: number;
  /** This link's share of the group's SRT data packets over the last 5 s (0..1). */
  share: number;
  /** Payload received over the last 5 s. */
  bitrateKbps: number;
  telemetry: SrtlaSenderTelemetry | null;
}

export interface SrtlaGroupStats {
  /** Short id (8 hex digits of the receiver's half): logs and labels use the same. */
  id: string;
  camera: string;
  profile: string;
  /** The SRT listener this group forwards to (`host:port`). */
  target: string;
  createdAt: string;
  /** A group that has not forwarded SRT data yet. */
  pending: boolean;
  /** The local port of the group's socket towards the SRT listener: the peer the listener sees. */
  srtLocalPort: number | null;
  bitrateKbps: number;
  packetsReceived: number;
  bytesReceived: number;
  packetsForwarded: number;
  bytesForwarded: number;
  /** Lost packets reported by the SRT listener (NAK entries, ranges expanded). */
  lostPackets: number;
  links: SrtlaLinkStats[];
}

/** One SRTLA port: the profile it feeds and its groups. */
export interface SrtlaListenerStats {
  camera: string;
  profile: string;
  /** `host:port` the receiver listens on. */
  listen: string;
  target: string;
  /** Stream id an SRT caller must use when the target is MediaMTX (`publish:<path>`); null otherwise. */
  streamId: string | null;
  groups: SrtlaGroupStats[];
  drops: Record<SrtlaDropReason, number>;
  /** Groups removed so far, by reason (timeout, pending timeout, evicted, shutdown). */
  groupsClosed: number;
}

/**
 * `GET /api/srtla/stats`: NOALBS-style. `publishers` is keyed by `camera/profile` with the figures a
 * bitrate switcher reads (bitrate kbit/s, rtt ms from the sender's telemetry when known, dropped =
 * lost packets), and `listeners` has every group and link in full.
 */
export interface SrtlaStatsAnswer {
  enabled: boolean;
  publishers: Record<
    string,
    {
      bitrate: number;
      rtt: number | null;
      dropped_pkts: number;
      uptime: number;
      links: Array<{ address: string; share: number; bitrate: number; last_seen_ms: number; loss: number }>;
    }
  >;
  listeners: SrtlaListenerStats[];
}
