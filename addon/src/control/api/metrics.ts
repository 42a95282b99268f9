/**
 * Prometheus text exposition for /metrics, computed from stream status at scrape time.
 * Hand-written: the format is a few lines of text and every value already lives in the status,
 * so a metrics library would only add a second copy of the state to keep in sync.
 */
import { SRTLA_DROP_REASONS, type SrtlaLinkStats, type SrtlaListenerStats } from '../../contracts/srtla.js';
import { STREAM_STATES, type StreamStatus } from '../../contracts/stream-state.js';
import type { LeaseStats } from '../../supervisor/leases.js';
import type { MqttRefusals } from '../mqtt/service.js';

function labels(s: StreamStatus, extra = ''): string {
  return `{camera="${s.camera}",profile="${s.profile}"${extra}}`;
}

export function renderMetrics(statuses: StreamStatus[]): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);
  };
  metric(
    'lookout_stream_state',
    'gauge',
    'Current state of each stream key (1 for the current state).',
    statuses.flatMap((s) =>
      STREAM_STATES.map(
        (st) => `lookout_stream_state${labels(s, `,state="${st}"`)} ${s.state === st ? 1 : 0}`,
      ),
    ),
  );
  metric(
    'lookout_stream_restarts_total',
    'counter',
    'FFmpeg restarts after a failure.',
    statuses.map((s) => `lookout_stream_restarts_total${labels(s)} ${s.counters.restarts}`),
  );
  metric(
    'lookout_stream_stalls_total',
    'counter',
    'Times media stopped while live.',
    statuses.map((s) => `lookout_stream_stalls_total${labels(s)} ${s.counters.stalls}`),
  );
  metric(
    'lookout_stream_spawns_total',
    'counter',
    'FFmpeg processes started.',
    statuses.map((s) => `lookout_stream_spawns_total${labels(s)} ${s.counters.spawns}`),
  );
  metric(
    'lookout_stream_bytes',
    'gauge',
    'Media bytes received from the current FFmpeg process.',
    statuses.map((s) => `lookout_stream_bytes${labels(s)} ${s.progress.bytes}`),
  );
  metric(
    'lookout_stream_bitrate_kbps',
    'gauge',
    'Media bitrate over the last 5 s.',
    statuses.map((s) => `lookout_stream_bitrate_kbps${labels(s)} ${s.progress.bitrateKbps}`),
  );
  metric(
    'lookout_stream_fps',
    'gauge',
    'Frames per second reported by FFmpeg.',
    statuses.map((s) => `lookout_stream_fps${labels(s)} ${s.progress.fps}`),
  );
  metric(
    'lookout_stream_viewers',
    'gauge',
    'Leases held on the stream.',
    statuses.map((s) => `lookout_stream_viewers${labels(s)} ${s.leases.length}`),
  );
  return out.join('\n') + '\n';
}

/** SRTLA receivers (sources/srtla): groups, links and drops, labelled by the camera they feed. */
export function renderSrtlaMetrics(listeners: SrtlaListenerStats[]): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);
  };
  const cam = (l: { camera: string; profile: string }) => `camera="${l.camera}",profile="${l.profile}"`;
  const groups = listeners.flatMap((l) => l.groups);
  const links = groups.flatMap((g) => g.links.map((k) => ({ g, k })));
  const linkRows = (name: string, pick: (k: SrtlaLinkStats) => number) =>
    links.map(({ g, k }) => `${name}{${cam(g)},group="${g.id}",link="${k.address}"} ${pick(k)}`);
  metric(
    'lookout_srtla_groups',
    'gauge',
    'Bonded sessions (SRTLA groups) alive.',
    listeners.map((l) => `lookout_srtla_groups{${cam(l)}} ${l.groups.length}`),
  );
  metric(
    'lookout_srtla_connections',
    'gauge',
    'Registered links (connections) per group.',
    groups.map((g) => `lookout_srtla_connections{${cam(g)},group="${g.id}"} ${g.links.length}`),
  );
  const perLink: Array<[string, string, (k: SrtlaLinkStats) => number]> = [
    [
      'lookout_srtla_link_packets_received_total',
      'Datagrams received on the link.',
      (k) => k.packetsReceived,
    ],
    ['lookout_srtla_link_bytes_received_total', 'Bytes received on the link.', (k) => k.bytesReceived],
    [
      'lookout_srtla_link_packets_forwarded_total',
      'SRT packets forwarded from the link.',
      (k) => k.packetsForwarded,
    ],
    [
      'lookout_srtla_link_bytes_forwarded_total',
      'SRT bytes forwarded from the link.',
      (k) => k.bytesForwarded,
    ],
  ];
  for (const [name, help, pick] of perLink) metric(name, 'counter', help, linkRows(name, pick));
  metric(
    'lookout_srtla_group_lost_packets_total',
    'counter',
    'Packets the SRT listener reported lost (NAK), per group.',
    groups.map((g) => `lookout_srtla_group_lost_packets_total{${cam(g)},group="${g.id}"} ${g.lostPackets}`),
  );
  metric(
    'lookout_srtla_drops_total',
    'counter',
    'Datagrams the receiver dropped or refused, by reason.',
    listeners.flatMap((l) =>
      SRTLA_DROP_REASONS.map((r) => `lookout_srtla_drops_total{${cam(l)},reason="${r}"} ${l.drops[r]}`),
    ),
  );
  metric(
    'lookout_srtla_groups_closed_total',
    'counter',
    'Groups removed (timeouts, eviction).',
    listeners.map((l) => `lookout_srtla_groups_closed_total{${cam(l)}} ${l.groupsClosed}`),
  );
  return out.join('\n') + '\n';
}

/** Client leases (LEASE_LIMITS): held, and refused over the per-client or total bound. */
export function renderLeaseMetrics(st: LeaseStats): string {
  return (
    [
      "# HELP lookout_client_leases Leases held by clients (HTTP, MQTT); Lookout's own consumers are not counted.",
      '# TYPE lookout_client_leases gauge',
      `lookout_client_leases ${st.clientLeases}`,
      '# HELP lookout_lease_refused_total Client leases refused over a bound (429 too_many_leases).',
      '# TYPE lookout_lease_refused_total counter',
      `lookout_lease_refused_total{limit="per_client"} ${st.refused.perClient}`,
      `lookout_lease_refused_total{limit="total"} ${st.refused.total}`,
    ].join('\n') + '\n'
  );
}

/** MQTT refusals: commands naming a forbidden reply topic, and the embedded broker's. */
export function renderMqttMetrics(st: MqttRefusals): string {
  const out = [
    '# HELP lookout_mqtt_reply_topic_refused_total Commands dropped for naming a reply topic outside mqtt.reply_prefix.',
    '# TYPE lookout_mqtt_reply_topic_refused_total counter',
    `lookout_mqtt_reply_topic_refused_total ${st.replyTopics}`,
  ];
  if (st.broker)
    out.push(
      '# HELP lookout_mqtt_broker_refused_total What the embedded broker refused (connects, publishes, subscribes).',
      '# TYPE lookout_mqtt_broker_refused_total counter',
      ...(['connect', 'publish', 'subscribe'] as const).map(
        (w) => `lookout_mqtt_broker_refused_total{what="${w}"} ${st.broker![w]}`,
      ),
    );
  return out.join('\n') + '\n';
}
