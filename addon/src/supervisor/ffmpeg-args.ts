/**
 * FFmpeg argument lists, derived only from the typed profile (FIELD-NOTES #9: copy + filters made
 * FFmpeg refuse to start; the config validator rejects such profiles, so here copy never filters).
 *
 * Output on stdout, made into fragmented MP4 (CMAF) by ffmpeg-process.ts: init segment (ftyp+moov)
 * then moof+mdat fragments, which the hub fans out to every consumer (LL-HLS groups them into parts).
 * FLV for H.264 (+ AAC), which supervisor/fragmenter/ cuts into one fragment per frame, else FFmpeg's
 * own fMP4 of about part target / FRAGMENTS_PER_PART a fragment (outputContainer says why).
 */
import type { ResolvedProfile, RtspLowerTransport, TranscodeOptions } from '../contracts/config.js';
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
  /** RTSP transport of this attempt (sources/resolve.ts pickTransport); default tcp. */
  transport?: RtspLowerTransport;
  /**
   * Encode the video to H.264 although the profile says copy: the source sends a codec no browser
   * plays in MP4 (MJPEG, MPEG-4 Part 2), which copy would pass on as a silent `mp4v`.
   */
  encodeH264?: boolean;
  /**
   * FFmpeg refused to write this source's video as FLV (H.265, MJPEG, ... in a copy): use its mp4
   * muxer (runner.ts remembers it per key; FLV_REFUSED_RE).
   */
  noFlv?: boolean;
}

/**
 * Re-timing of every output stream (the `setts` bitstream filter, after FFmpeg's own timestamp
 * handling and before the muxer). A camera whose clock jumps (reboot, NTP step, Wi-Fi hiccup) sends
 * RTP timestamps that leap forward or back. FFmpeg passes a forward leap into the MP4 (a hole the
 * players stall at; with audio the muxer's interleaver then holds the stream for up to 10 s), and
 * "fixes" a backward one in ffmpeg.c by stamping each following packet previous + 1 tick, until the
 * camera's clock catches up again: seconds to hours of frames squeezed into nothing, i.e. silence.
 * (RTSP is not an AVFMT_TS_DISCONT format, so FFmpeg's own offset correction, which MPEG-TS gets,
 * never runs; -dts_error_threshold only drops and re-predicts every later packet forever.)
 *
 * So each packet's output DTS is the previous output DTS plus the camera's own step, unless that step
 * is not a plausible frame step (zero, backwards, or more than RETIME_MAX_STEP_S): then it is the
 * packet's duration (or 40 ms). The camera's frame timing is kept; a jump costs one frame step.
 */
export const RETIME_MAX_STEP_S = 2;
const RETIME_DTS =
  'if(eq(PREV_OUTDTS,NOPTS),DTS,PREV_OUTDTS+if(between((DTS-PREV_INDTS)*TB,0.0001,' +
  `${RETIME_MAX_STEP_S}),DTS-PREV_INDTS,if(DURATION,DURATION,0.04/TB)))`;
/** `setts` options; commas escaped for the -bsf list syntax. */
export const RETIME_BSF = `setts=dts=${RETIME_DTS}:pts=${RETIME_DTS}+PTS-DTS`.replace(/,/g, '\\,');
/**
 * The same rule for decoded frames ahead of an encoder (`setpts`): with jumping input, FFmpeg's
 * constant-frame-rate output would duplicate frames for a forward jump and drop every frame until
 * the clock catches up after a backward one.
 */
export const RETIME_FILTER = (
  'setpts=if(eq(N,0),PTS,PREV_OUTPTS+if(between((PTS-PREV_INPTS)*TB,0.0001,' +
  `${RETIME_MAX_STEP_S}),PTS-PREV_INPTS,0.04/TB))`
).replace(/,/g, '\\,');

/**
 * The H.264 encode a source no browser can play gets by default: software x264 at the camera's size
 * and rate, keyframes every second (a part-grid GOP), the `veryfast` preset (the config's built-in
 * transcode values; the supervisor does not read config/).
 */
export const DEFAULT_H264_ENCODE: TranscodeOptions = {
  width: null,
  height: null,
  fps: null,
  keyframeIntervalS: 1,
  bitrateKbps: null,
  preset: 'veryfast',
};

/**
 * Packets per stream FFmpeg reads while it waits for a first DTS (its `max_ts_probe`, default 50):
 * the keyframe and one more frame (see buildFfmpegArgs).
 */
export const TIMESTAMP_PROBE_PACKETS = 2;

/** stderr lines that mean "probing ended too early", so the next attempt should use longProbe. */
export const PROBE_TOO_SHORT_RE = /dimensions not set|Could not find codec parameters|unspecified size/i;

/**
 * The H.264 variant of a key (StreamKey.variant `h264`): FFmpeg reads that key's fMP4 from the hub on
 * stdin and encodes it, for browsers that cannot decode the camera's codec. Hardware encoders where
 * the config names a device (`server.hwaccel`), libx264 otherwise; audio is copied (the hub holds
 * what browsers play already). Keyframes every second, fragments like every other key.
 */
export function buildVariantArgs(profile: ResolvedProfile, hw: HwAccel | null = null): string[] {
  const t = profile.tuning;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-progress', `pipe:${PROGRESS_FD}`];
  args.push('-stats_period', '0.5');
  if (hw?.api === 'vaapi') args.push('-vaapi_device', hw.device);
  if (hw?.api === 'qsv') args.push('-init_hw_device', `qsv=hw:${hw.device}`, '-filter_hw_device', 'hw');
  // The hub's media needs no probing: the init segment says everything.
  args.push(
    '-fflags',
    'nobuffer',
    '-probesize',
    '32768',
    '-analyzeduration',
    '0',
    '-f',
    'mp4',
    '-i',
    'pipe:0',
  );
  args.push('-map', '0:v:0');
  args.push(...(hw ? hwVideoArgs(hw) : videoArgs(DEFAULT_H264_ENCODE)));
  args.push('-map', '0:a:0?', '-c:a', 'copy');
  args.push(...mediaOutput(outputContainer(profile, 'h264'), t.partTargetMs));
  return args;
}

/** How FFmpeg hands media to Lookout: FLV for our fragmenter, or its own fragmented MP4. */
export type OutputContainer = 'flv' | 'mp4';

/**
 * The one place the container is chosen. FFmpeg's mp4 muxer writes a fragment only when the packet
 * after it arrives (it needs the last sample's duration), so every frame waited one frame interval
 * (67 ms at 15 fps) inside FFmpeg. Its FLV muxer writes each packet at once, and supervisor/fragmenter/
 * turns the tags into the same fMP4 (one fragment per frame). FLV (as FFmpeg 5.1 writes it) carries
 * H.264 and AAC only, so:
 * - video: H.264 — our encodes, and a copy until FFmpeg refuses it (`noFlv`: H.265, MJPEG, ...);
 * - audio: none or AAC (`drop`, `auto`, `aac`); a copy may be anything (G.711, Opus, PCM) and Opus
 *   is not FLV: those keep the mp4 muxer and its one-frame wait.
 */
export function outputContainer(
  profile: ResolvedProfile,
  video: 'h264' | 'copy',
  noFlv = false,
): OutputContainer {
  if (noFlv && video === 'copy') return 'mp4';
  return profile.audio === 'copy' || profile.audio === 'opus' ? 'mp4' : 'flv';
}

/** FFmpeg refused FLV for this stream's codecs (`Video codec hevc not compatible with flv`, ...). */
export const FLV_REFUSED_RE = /not compatible with flv|not supported in the official FLV specification/i;

function mediaOutput(container: OutputContainer, partTargetMs: number): string[] {
  // Each packet is written and flushed as its own tag; no duration/filesize to seek back and patch.
  if (container === 'flv')
    return ['-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1', 'pipe:1'];
  return fmp4Output(partTargetMs);
}

/** Fragmented MP4 on stdout: a fragment every quarter part (the hub groups them into parts). */
function fmp4Output(partTargetMs: number): string[] {
  return [
    '-f',
    'mp4',
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration',
    String(Math.round((partTargetMs * 1000) / FRAGMENTS_PER_PART)),
    'pipe:1',
  ];
}

/** A hardware H.264 encoder named by the config (server.hwaccel). */
export interface HwAccel {
  api: 'vaapi' | 'qsv';
  /** e.g. /dev/dri/renderD128 */
  device: string;
}

/** VAAPI / QSV presets as Frigate's: upload to the device, encode there, keyframes every second. */
function hwVideoArgs(hw: HwAccel): string[] {
  const gop = ['-g', '30', '-forced-idr', '1', '-force_key_frames', 'expr:gte(t,n_forced*1)'];
  if (hw.api === 'vaapi')
    return ['-vf', `${RETIME_FILTER},format=nv12,hwupload`, '-c:v', 'h264_vaapi', '-bf', '0', ...gop];
  return [
    '-vf',
    `${RETIME_FILTER},hwupload=extra_hw_frames=64,format=qsv`,
    '-c:v',
    'h264_qsv',
    '-bf',
    '0',
    ...gop,
  ];
}

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
      opts.transport ?? 'tcp',
      '-timeout',
      String(Math.max(t.rtspTimeoutMs, source.viaGateway?.openTimeoutMs ?? 0) * 1000),
    );
  }
  // MJPEG over HTTP has no timestamps: FFmpeg would assume 25 fps. Frames are stamped on arrival.
  if (source.isHttpMjpeg) args.push('-use_wallclock_as_timestamps', '1');
  // Probing ends as soon as every stream has its parameters (video: the first keyframe), so the
  // limit only matters when one is late: a camera that starts sending at its next keyframe, or audio
  // that arrives after the video. 2.5 s covers GOPs up to ~2 s; longer ones get longProbe on a retry.
  // No frame-rate probing (fpsprobesize 0): a copy does not need it, and it costs ~0.8 s of start-up.
  const probe = opts.longProbe ? '6000000' : '2500000';
  args.push('-analyzeduration', probe, '-probesize', probe, '-fpsprobesize', '0');
  // Probing would still go on for 7 decoded frames (0.47 s at 15 fps) on most H.264 cameras: RTP
  // carries no DTS, and FFmpeg derives them only once it has guessed the decoder's reorder delay,
  // which without reorder info in the SPS takes 7 frames; until then it waits (max_ts_probe, 50
  // packets). Two frames are enough to see a B-frame stream's POC gap (the decoder then raises the
  // delay), so the probe ends one frame after the first keyframe. longProbe keeps FFmpeg's full
  // heuristics for the retry.
  if (!opts.longProbe) args.push('-max_ts_probe', String(TIMESTAMP_PROBE_PACKETS));
  args.push('-i', source.url);
  args.push('-map', '0:v:0');
  const encode = profile.mode === 'transcode' || opts.encodeH264 || source.isHttpMjpeg;
  args.push(...videoArgs(encode ? (profile.transcode ?? DEFAULT_H264_ENCODE) : null));
  if (!encode) args.push('-bsf:v', RETIME_BSF);
  const audio = audioArgs(profile);
  args.push(...audio);
  if (audio.length) args.push('-bsf:a', RETIME_BSF);
  args.push(...mediaOutput(outputContainer(profile, encode ? 'h264' : 'copy', opts.noFlv), t.partTargetMs));
  return args;
}

/** `tc` null: copy. */
function videoArgs(tc: TranscodeOptions | null): string[] {
  if (!tc) return ['-c:v', 'copy'];
  const filters: string[] = [RETIME_FILTER];
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
  out.push('-vf', filters.join(','));
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
