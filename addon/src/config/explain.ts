/**
 * `lookout config explain`: every effective value and where it came from, one per line.
 * Durations print as durations, and secrets as *** (provenance never holds them, and the output is
 * passed through the redactor as well in case a secret hides in e.g. a URL query).
 */
import type { ProvenanceEntry } from '../contracts/config.js';
import { formatBitrate } from './bitrate.js';
import { formatDuration } from './duration.js';
import { redact } from './errors.js';
import type { LoadedConfig } from './resolve.js';

export function explainCamera(loaded: LoadedConfig, cameraId: string): string {
  const camera = loaded.config.cameras.find((c) => c.id === cameraId);
  const entries = loaded.provenance.cameras[cameraId];
  if (!camera || !entries) {
    const known = loaded.config.cameras.map((c) => c.id).join(', ') || '(none)';
    throw new Error(`unknown camera "${cameraId}"; cameras: ${known}`);
  }
  const head = `camera ${camera.id} (${camera.name}), vendor ${camera.vendor}${camera.enabled ? '' : ', disabled'}${camera.hidden ? ', hidden' : ''}`;
  return redact([head, ...table(entries)].join('\n'), loaded.config.secrets);
}

export function explainConfig(loaded: LoadedConfig): string {
  const parts = [['server', ...table(loaded.provenance.server)].join('\n')];
  for (const c of loaded.config.cameras) parts.push(explainCamera(loaded, c.id));
  return redact(parts.join('\n\n'), loaded.config.secrets);
}

function table(entries: readonly ProvenanceEntry[]): string[] {
  const rows = entries.map((e) => [e.path, formatValue(e), e.level, e.origin] as const);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(60, Math.max(...rows.map((r) => r[1].length)));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  return rows.map(([p, v, l, o]) => `  ${p.padEnd(w0)}  ${v.padEnd(w1)}  ${l.padEnd(w2)}  ${o}`.trimEnd());
}

export function formatValue(e: ProvenanceEntry): string {
  const v = e.value;
  if (v === null || v === undefined) return '-';
  if (e.path.endsWith('Ms')) {
    if (typeof v === 'number') return formatDuration(v);
    if (Array.isArray(v)) return `[${v.map((x) => formatDuration(Number(x))).join(', ')}]`;
  }
  if (e.path.endsWith('IntervalS') && typeof v === 'number') return formatDuration(v * 1000);
  if (e.path.endsWith('Kbps') && typeof v === 'number') return formatBitrate(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}
