/**
 * FFmpeg argument lists, derived only from the typed profile (FIELD-NOTES #9: copy + filters made
 * FFmpeg refuse to start; the config validator rejects such profiles, so here copy never filters).
 *
 * Output is always fragmented MP4 (CMAF) on stdout: init segment (ftyp+moov) then moof+mdat
 * fragments of about part target / FRAGMENTS_PER_PART each, which the hub fans out to every consumer
 * (LL-HLS groups them into parts).
 */
import type { ResolvedProfile } from '../contracts/config.js';
import type { ResolvedSource } from '../sources/resolve.js';
import { FRAGMENTS_PER_PART } from '../hub/index.js';

export const PROGRESS_FD = 3;

export interface ArgOptions {
  /**
   * Probe the input longer (5 s instead of 1 s). Used after FFmpeg failed because probing ended
   * before the video's parameters were known: a camera whose first keyframe comes late (long GOP)
   * while its audio arrives at once.
   */
  longProbe?: boolean;
}

/** stderr lines that mean "probing ended too early", so the next attempt should use longProbe. */
export const PROBE_TOO_SHORT_RE = /dimensions not set|Could not find codec parameters|unspecified size/i;

export function buildFfmpegArgs(
  profile: ResolvedProfile,
  source: ResolvedSource,
  opts: ArgOptions = {},
): string[] {
  const t = profile.tuning;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'level+warning',
    // Progress on its own pipe, twice a second: frames/fps/speed for status.
    '-progress',
    `pipe:${PROGRESS_FD}`,
    '-stats_period',
    '0.5',
  ];
  if (source.isRtsp) {
    // The RTSP socket timeout is in microseconds (FIELD-NOTES #11).
    args.push(
      '-rtsp_transport',
      source.transport ?? profile.transport,
      '-timeout',
      String(Math.max(t.rtspTimeoutMs, source.viaGateway?.openTimeoutMs ?? 0) * 1000),
    );
  }
  // Probing ends as soon as every stream has its parameters (video: the first keyframe), so the
  // limit only matters when one is late: a camera that starts sending at its next keyframe, or audio
  // that arrives after the video. 2.5 s covers GOPs up to ~2 s; longer ones get longProbe on a retry.
  // No frame-rate probing (fpsprobesize 0): a copy does not need it, and it costs ~0.8 s of start-up.
  const probe = opts.longProbe ? '6000000' : '2500000';
  args.push('-analyzeduration', probe, '-probesize', probe, '-fpsprobesize', '0');
  args.push('-i', source.url);
  args.push('-map', '0:v:0');
  args.push(...videoArgs(profile));
  args.push(...audioArgs(profile));
  args.push(
    '-f',
    'mp4',
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration',
    String(Math.round((t.partTargetMs * 1000) / FRAGMENTS_PER_PART)),
    'pipe:1',
  );
  return args;
}

function videoArgs(profile: ResolvedProfile): string[] {
  const tc = profile.transcode;
  if (profile.mode === 'copy' || !tc) return ['-c:v', 'copy'];
  const filters: string[] = [];
  if (tc.width || tc.height) filters.push(`scale=${tc.width ?? -2}:${tc.height ?? -2}`);
  if (tc.fps) filters.push(`fps=${tc.fps}`);
  const out = [
    '-c:v',
    'libx264',
    '-preset',
    tc.preset,
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-bf',
    '0',
  ];
  if (filters.length) out.push('-vf', filters.join(','));
  // Keyframes on the part grid (FIELD-NOTES #10): GOP frames = fps x interval, and forced by time
  // too, so a camera with a jittery frame rate still cuts segments where LL-HLS expects them.
  if (tc.fps) {
    const gop = Math.max(1, Math.round(tc.fps * tc.keyframeIntervalS));
    out.push('-g', String(gop), '-keyint_min', String(gop));
  }
  out.push('-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${tc.keyframeIntervalS})`);
  if (tc.bitrateKbps) {
    out.push(
      '-b:v',
      `${tc.bitrateKbps}k`,
      '-maxrate',
      `${tc.bitrateKbps}k`,
      '-bufsize',
      `${tc.bitrateKbps * 2}k`,
    );
  }
  return out;
}

function audioArgs(profile: ResolvedProfile): string[] {
  switch (profile.audio) {
    case 'drop':
      return [];
    case 'copy':
      return ['-map', '0:a:0?', '-c:a', 'copy'];
    case 'opus':
      return ['-map', '0:a:0?', '-c:a', 'libopus', '-b:a', '48k'];
    case 'aac':
    case 'auto':
      // auto = AAC: every browser plays it, cameras often send G.711 that MP4/MSE can't carry,
      // and encoding one voice channel costs well under 1% of a core.
      return ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '64k'];
  }
}
