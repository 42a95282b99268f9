/**
 * `lookout discover <host>`: asks one ONVIF device (unicast; never WS-Discovery multicast) what it
 * is and can do, and prints a config block to start from. Capabilities come from the device's
 * answers (profiles, GetNodes, event service), never from its vendor name.
 */
import type { Cam } from 'onvif';
import type { PtzSupport } from '../../contracts/ptz.js';
import { readPtzSupport } from './ptz-support.js';
import { OnvifSession, invoke, profileTokenOf } from './session.js';
import { kindOf } from './topics.js';
import { CameraFault } from './errors.js';

export interface DiscoverOptions {
  host: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export interface DiscoveredProfile {
  token: string;
  name: string;
  encoding: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  streamUri: string | null;
}

export interface DiscoveryReport {
  host: string;
  port: number;
  device: { manufacturer: string | null; model: string | null; firmware: string | null };
  profiles: DiscoveredProfile[];
  ptz: PtzSupport | null;
  events: { pullPoint: boolean; topics: string[] } | null;
  problems: string[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : null;

export async function discover(o: DiscoverOptions): Promise<DiscoveryReport> {
  const port = o.port ?? 80;
  const session = new OnvifSession({
    camera: o.host,
    endpoint: {
      host: o.host,
      port,
      path: o.path ?? '/onvif/device_service',
      credentials: o.username ? { username: o.username, password: o.password ?? '' } : null,
    },
    timeoutMs: o.timeoutMs ?? 5000,
  });
  const report: DiscoveryReport = {
    host: o.host,
    port,
    device: { manufacturer: null, model: null, firmware: null },
    profiles: [],
    ptz: null,
    events: null,
    problems: [],
  };
  const note = (err: unknown) => report.problems.push(err instanceof Error ? err.message : String(err));
  try {
    const cam = await session.ready();
    const info: Record<string, unknown> = await session
      .call<Record<string, unknown>>('getDeviceInformation')
      .catch((e: unknown) => (note(e), {}));
    report.device = {
      manufacturer: text(info.manufacturer),
      model: text(info.model),
      firmware: text(info.firmwareVersion),
    };
    report.profiles = await profiles(session, cam, note);
    report.ptz = await ptzSupport(session, cam, note);
    report.events = await events(session, cam, note);
  } catch (err) {
    note(err);
  } finally {
    session.close();
  }
  return report;
}

async function profiles(
  session: OnvifSession,
  cam: Cam,
  note: (e: unknown) => void,
): Promise<DiscoveredProfile[]> {
  const out: DiscoveredProfile[] = [];
  for (const p of cam.profiles ?? []) {
    const token = profileTokenOf(p);
    if (!token) continue;
    const enc = (p.videoEncoderConfiguration ?? {}) as Record<string, Record<string, unknown> | undefined>;
    let streamUri: string | null = null;
    try {
      const r = await session.call<{ uri?: unknown }>('getStreamUri', () => [
        { protocol: 'RTSP', profileToken: token },
      ]);
      streamUri = text(r.uri);
    } catch (err) {
      note(err);
    }
    out.push({
      token,
      name: text(p.name) ?? token,
      encoding: text(enc.encoding),
      width: num(enc.resolution?.width),
      height: num(enc.resolution?.height),
      fps: num(enc.rateControl?.frameRateLimit),
      streamUri,
    });
  }
  // Largest first: that is the main stream, the smallest the sub stream.
  return out.sort((a, b) => (b.width ?? 0) * (b.height ?? 0) - (a.width ?? 0) * (a.height ?? 0));
}

async function ptzSupport(
  session: OnvifSession,
  cam: Cam,
  note: (e: unknown) => void,
): Promise<PtzSupport | null> {
  if (!cam.uri?.ptz || !cam.activeSource?.ptz) return null;
  try {
    return await readPtzSupport(session, 'discover');
  } catch (err) {
    if (!(err instanceof CameraFault && err.kind === 'unsupported')) note(err);
    return null;
  }
}

async function events(
  session: OnvifSession,
  cam: Cam,
  note: (e: unknown) => void,
): Promise<DiscoveryReport['events']> {
  if (!cam.uri?.events) return null;
  let pullPoint = true;
  try {
    const caps = await session.call<Record<string, unknown>>('getEventServiceCapabilities');
    // Some Axis cameras say false and work anyway: report it, do not trust it blindly.
    pullPoint = caps.WSPullPointSupport !== false && caps.WSPullPointSupport !== 'false';
  } catch (err) {
    note(err);
  }
  const topics = new Set<string>();
  try {
    const props = await invoke<{ topicSet?: unknown }>(cam, 'getEventProperties', []);
    walk(props.topicSet, [], (path) => {
      const kind = kindOf(path.join('/'));
      if (kind) topics.add(`${path.join('/')} (${kind})`);
    });
  } catch (err) {
    note(err);
  }
  return { pullPoint, topics: [...topics].sort() };
}

/** Leaf topic paths of a linerase'd TopicSet (elements with a messageDescription are topics). */
function walk(node: unknown, path: string[], visit: (path: string[]) => void, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 8) return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === '$' || key === 'messageDescription') continue;
    const next = [...path, key.charAt(0).toUpperCase() + key.slice(1)];
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) {
      if (child && typeof child === 'object' && 'messageDescription' in child) visit(next);
      walk(child, next, visit, depth + 1);
    }
  }
}

/** Human-readable report plus a config block (YAML) to paste. Never includes a password. */
export function renderDiscovery(r: DiscoveryReport, username?: string): string {
  const lines: string[] = [];
  const d = r.device;
  lines.push(
    `ONVIF device at ${r.host}:${r.port}: ${[d.manufacturer, d.model].filter(Boolean).join(' ') || 'unknown model'}${d.firmware ? ` (firmware ${d.firmware})` : ''}`,
  );
  lines.push('', 'Profiles:');
  if (r.profiles.length === 0) lines.push('  (none)');
  for (const p of r.profiles) {
    const size = p.width && p.height ? `${p.width}x${p.height}` : '?';
    lines.push(
      `  ${p.name} [${p.token}] ${p.encoding ?? '?'} ${size}${p.fps ? ` @${p.fps}fps` : ''}  ${p.streamUri ?? '(no stream URI)'}`,
    );
  }
  const ptz = r.ptz;
  lines.push(
    '',
    `PTZ: ${ptz ? ['continuous', 'relative', 'absolute', 'home'].filter((k) => ptz[k as keyof PtzSupport] === true).join(', ') || 'service present, no moves' : 'no'}${ptz?.max_presets ? `; up to ${ptz.max_presets} presets` : ''}`,
  );
  lines.push(
    `Events: ${r.events ? (r.events.pullPoint ? 'pull-point' : 'pull-point not advertised') : 'no event service'}`,
  );
  for (const t of r.events?.topics ?? []) lines.push(`  ${t}`);
  if (r.problems.length) lines.push('', 'Problems:', ...r.problems.map((p) => `  ${p}`));

  if (r.profiles.length === 0) return `${lines.join('\n')}\n`;
  const main = r.profiles[0];
  const sub = r.profiles.length > 1 ? r.profiles.at(-1) : undefined;
  const id =
    r.host
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'camera';
  lines.push(
    '',
    'Config to start from:',
    'cameras:',
    `  - id: ${/^[a-z]/.test(id) ? id : `cam-${id}`}`,
    `    host: ${r.host}`,
  );
  if (username)
    lines.push('    credentials:', `      username: ${username}`, '      password: ${CAMERA_PASSWORD}');
  lines.push('    profiles:');
  if (main?.streamUri) lines.push(`      main: { url: "${main.streamUri}" }`);
  if (sub?.streamUri) lines.push(`      sub: { url: "${sub.streamUri}" }`);
  lines.push('    onvif:', `      port: ${r.port}`);
  const caps = {
    ptz: !!ptz?.continuous || !!ptz?.absolute || !!ptz?.relative,
    presets: !!ptz?.presets,
    motion_events: !!r.events?.pullPoint && (r.events?.topics.length ?? 0) > 0,
  };
  lines.push(
    `    capabilities: { ptz: ${caps.ptz}, presets: ${caps.presets && caps.ptz}, motion_events: ${caps.motion_events} }`,
  );
  return `${lines.join('\n')}\n`;
}
