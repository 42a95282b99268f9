/** Prometheus lines for the MediaMTX gateway, appended to /metrics (same hand-written format). */
import type { GatewayStatus } from '../contracts/api.js';

export function renderGatewayMetrics(s: GatewayStatus): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: string[]) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);
  metric('lookout_gateway_up', 'gauge', 'MediaMTX answers its control API (1) or not (0).', [
    `lookout_gateway_up ${s.state === 'up' ? 1 : 0}`,
  ]);
  metric('lookout_gateway_restarts_total', 'counter', 'MediaMTX restarts after it ended or hung.', [
    `lookout_gateway_restarts_total ${s.counters.restarts}`,
  ]);
  const lbl = (p: GatewayStatus['paths'][number]) => `{path="${p.path}",key="${p.key}"}`;
  metric(
    'lookout_gateway_path_available',
    'gauge',
    'The camera (or SRT publisher) is connected to the MediaMTX path.',
    s.paths.map((p) => `lookout_gateway_path_available${lbl(p)} ${p.available ? 1 : 0}`),
  );
  metric(
    'lookout_gateway_path_readers',
    'gauge',
    'Readers of the MediaMTX path (Lookout FFmpeg, WebRTC viewers, restream clients).',
    s.paths.map((p) => `lookout_gateway_path_readers${lbl(p)} ${p.readers.length}`),
  );
  metric(
    'lookout_gateway_path_inbound_bytes',
    'gauge',
    'Bytes MediaMTX received on the path since its source connected.',
    s.paths.map((p) => `lookout_gateway_path_inbound_bytes${lbl(p)} ${p.inboundBytes}`),
  );
  metric(
    'lookout_gateway_path_outbound_bytes',
    'gauge',
    'Bytes MediaMTX sent to the path readers since its source connected.',
    s.paths.map((p) => `lookout_gateway_path_outbound_bytes${lbl(p)} ${p.outboundBytes}`),
  );
  return out.join('\n') + '\n';
}
