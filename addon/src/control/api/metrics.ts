/**
 * Prometheus text exposition for /metrics, computed from stream status at scrape time.
 * Hand-written: the format is a few lines of text and every value already lives in the status,
 * so a metrics library would only add a second copy of the state to keep in sync.
 */
import { STREAM_STATES, type StreamStatus } from '../../contracts/stream-state.js';

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
