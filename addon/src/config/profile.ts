/**
 * One profile (main or sub) of one camera: its source URL, the cascaded stream settings, and
 * copy vs transcode. The stack of layers below the profile (camera, vendors.<v>, vendor preset,
 * defaults, built-in) is built once per camera by camera.ts.
 */
import type {
  AudioMode,
  Credentials,
  ProfileMode,
  ResolvedProfile,
  RtspTransport,
  StreamTuning,
  Vendor,
} from '../contracts/config.js';
import type { ProfileName } from '../contracts/stream-key.js';
import type { SrtIngest } from '../contracts/srtla.js';
import { BUILT_IN_TUNING } from './built-in.js';
import { BAD, isString, ok, type Checker, type RawMap, type Read } from './check.js';
import { formatDuration } from './duration.js';
import { child, ValueError } from './errors.js';
import type { Host } from './host.js';
import { pick, pickRequired, readLayer, type Layer } from './layers.js';
import type { ProvenanceLog } from './provenance.js';
import { buildFromPath, buildFromUrl, type BuiltUrl } from './source-url.js';
import { readSrtIngest, srtListenerUrl } from './srtla.js';
import { checkCopyMode, readTranscode } from './transcode.js';
import { VENDOR_REGISTRY } from '../vendors/registry.js';

export interface ProfileContext {
  ck: Checker;
  prov: ProvenanceLog;
  /** e.g. `camera "garage"` */
  cameraLabel: string;
  cameraBase: string;
  host: Read<Host>;
  credentials: Read<Credentials>;
  /** undefined when the camera's vendor is invalid: then no "no default path" complaint. */
  vendor: Vendor | undefined;
  rtspPort: number;
  /** camera, vendors.<v>, vendor preset, defaults, built-in: highest first. */
  below: readonly (Layer | undefined)[];
}

export interface ProfileResult {
  profile: ResolvedProfile | undefined;
  /** The profile builds its URL from host + path but the camera has no host. */
  needsHost: boolean;
}

export function resolveProfile(
  name: ProfileName,
  block: RawMap,
  base: string,
  ctx: ProfileContext,
): ProfileResult {
  const { ck, prov } = ctx;
  const label = `${ctx.cameraLabel} profile "${name}"`;
  const p = `profiles.${name}`;
  const stack = [readLayer(block, base, 'camera', ck, name), ...ctx.below];

  const transport = pickRequired<RtspTransport>('transport', stack);
  const audio = pickRequired<AudioMode>('audio', stack);
  const alwaysOn = pickRequired<boolean>('alwaysOn', stack);
  const mode = pickRequired<ProfileMode>('mode', stack);
  prov.picked(`${p}.transport`, transport);
  prov.picked(`${p}.audio`, audio);
  const srt = readSrtIngest(block, base, ck);
  // A pushed stream must be listening when the sender comes: always on unless the file says otherwise.
  if (ok(srt) && alwaysOn.level === 'built-in') {
    alwaysOn.value = true;
    alwaysOn.origin = 'srt sources listen all the time';
  }
  prov.picked(`${p}.alwaysOn`, alwaysOn);
  prov.picked(`${p}.mode`, mode);

  const source = ok(srt)
    ? srtSource(block, base, label, ctx, srt, p)
    : srt === BAD
      ? { needsHost: false }
      : resolveSource(name, block, base, stack, label, ctx);

  let transcode = null;
  const modeRaw = block['mode'];
  const modeValid = modeRaw === undefined || modeRaw === mode.value;
  if (modeValid && mode.value === 'copy') {
    checkCopyMode(block['transcode'], child(base, 'transcode'), label, ck);
  } else if (modeValid && mode.value === 'transcode') {
    const t = ck.map(block, 'transcode', base);
    transcode = readTranscode(
      ok(t) ? t : undefined,
      child(base, 'transcode'),
      label,
      ck,
      prov,
      `${p}.transcode`,
    );
  }

  const tuning = resolveTuning(stack, ctx, p);

  const profile: ResolvedProfile | undefined = source.url
    ? {
        name,
        sourceUrl: source.url.sourceUrl,
        displayUrl: source.url.displayUrl,
        transport: transport.value,
        mode: mode.value,
        transcode,
        audio: audio.value,
        alwaysOn: alwaysOn.value,
        tuning,
        ...(ok(srt) ? { srt } : {}),
      }
    : undefined;
  return { profile, needsHost: source.needsHost };
}

/** `srt:` instead of url/path: Lookout's own SRT listener is the source. */
function srtSource(
  block: RawMap,
  base: string,
  label: string,
  ctx: ProfileContext,
  srt: SrtIngest,
  p: string,
): { url?: BuiltUrl; needsHost: boolean } {
  for (const k of ['url', 'path'])
    if (block[k] !== undefined)
      ctx.ck.add(child(base, k), `${label}: set one of url, path or srt, not several`);
  const displayUrl = srtListenerUrl(srt, false);
  ctx.prov.add(`${p}.displayUrl`, displayUrl, 'camera', child(base, 'srt'));
  if (srt.srtlaPort !== null)
    ctx.prov.add(`${p}.srt.srtlaPort`, srt.srtlaPort, 'camera', child(base, 'srt', 'srtla_port'));
  return { url: { sourceUrl: srtListenerUrl(srt, true), displayUrl }, needsHost: false };
}

function resolveSource(
  name: ProfileName,
  block: RawMap,
  base: string,
  stack: readonly (Layer | undefined)[],
  label: string,
  ctx: ProfileContext,
): { url?: BuiltUrl; needsHost: boolean } {
  const { ck, prov } = ctx;
  const p = `profiles.${name}`;
  const credentials = ok(ctx.credentials) ? ctx.credentials : null;
  const url = ck.read(block, 'url', base, isString);
  const path = pick<string>(`path.${name}`, stack);
  const urlPath = child(base, 'url');

  if (url !== undefined) {
    if (block['path'] !== undefined)
      ck.add(child(base, 'path'), `${label}: set either url or path, not both`);
    if (url === BAD) return { needsHost: false };
    try {
      const built = buildFromUrl(url, credentials);
      prov.add(`${p}.displayUrl`, built.displayUrl, 'camera', urlPath);
      return { url: built, needsHost: false };
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      ck.add(urlPath, `${label}: ${err.message}`);
      return { needsHost: false };
    }
  }

  if (path) {
    prov.picked(`${p}.path`, path);
    if (ctx.host === undefined) return { needsHost: true };
    if (ctx.host === BAD) return { needsHost: false };
    const built = buildFromPath(ctx.host, ctx.rtspPort, path.value, credentials);
    prov.add(
      `${p}.displayUrl`,
      built.displayUrl,
      path.level,
      `built from host (${child(ctx.cameraBase, 'host')}), rtspPort and ${p}.path`,
    );
    return { url: built, needsHost: false };
  }

  if (ctx.vendor !== undefined && block['path'] === undefined) {
    const hint = VENDOR_REGISTRY[ctx.vendor].preset.pathHint;
    ck.add(
      base,
      `${label}: set url or path (vendor "${ctx.vendor}" has no default ${name} path${hint ? `; ${hint}` : ''})`,
    );
  }
  return { needsHost: false };
}

function resolveTuning(stack: readonly (Layer | undefined)[], ctx: ProfileContext, p: string): StreamTuning {
  const tuning = {} as Record<keyof StreamTuning, unknown>;
  const origins = {} as Record<keyof StreamTuning, string>;
  for (const field of Object.keys(BUILT_IN_TUNING) as (keyof StreamTuning)[]) {
    const picked = pickRequired<number | number[]>(`tuning.${field}`, stack);
    // Copied: layers are shared by every camera, and a consumer mutating its ladder must not leak.
    tuning[field] = Array.isArray(picked.value) ? [...picked.value] : picked.value;
    origins[field] = picked.origin;
    ctx.prov.picked(`${p}.tuning.${field}`, picked);
  }
  const t = tuning as unknown as StreamTuning;
  // Progress is only sampled every probe_interval, so a shorter stall_timeout cannot be honoured.
  if (t.stallTimeoutMs < t.probeIntervalMs) {
    const where = [origins.stallTimeoutMs, origins.probeIntervalMs].find((o) => o.startsWith('/')) ?? '';
    ctx.ck.add(
      where,
      `stall_timeout (${formatDuration(t.stallTimeoutMs)}) must be at least probe_interval (${formatDuration(t.probeIntervalMs)}): stalls are only noticed when progress is probed`,
    );
  }
  return t;
}
