/**
 * `lookout probe URL` and `GET /api/cameras/:id/probe`: what a camera sends and what Lookout will do
 * with it, before a tile shows black. ffprobe reads a few seconds of the stream (streams and packets);
 * the facts are codecs, profile/level, size, frame rate, GOP, audio, the RTSP transport that works
 * (TCP, else UDP: the same rule as `transport: auto`) and whether the timestamps are sane (the
 * re-timing in supervisor/ffmpeg-args.ts repairs jumps, but the user should know).
 */
import type { RtspLowerTransport, RtspTransport } from '../contracts/config.js';
import { runChild } from '../lib/child-process.js';
// The URL rules only: the API answer and the logger apply the app's redactor again.
import { urlRedactor as redactor } from '../lib/redact.js';
import { RETIME_MAX_STEP_S } from '../supervisor/ffmpeg-args.js';
import { isHttpMjpegUrl, TCP_REFUSED_RE } from './resolve.js';

export interface ProbeVideo {
  codec: string;
  profile: string | null;
  /** H.264 `level` as a number (31 = 3.1); HEVC general_level_idc / 30. */
  level: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  /** Measured keyframe interval, seconds; null with fewer than two keyframes in the sample. */
  gopS: number | null;
}

export interface ProbeAudio {
  codec: string;
  sampleRate: number | null;
  channels: number | null;
}

export interface ProbeReport {
  /** The URL without credentials. */
  url: string;
  ok: boolean;
  /** Why nothing could be read (ok false). */
  error: string | null;
  /** RTSP transport that delivered media; null for other schemes. */
  transport: RtspLowerTransport | null;
  /** e.g. `TCP`, `UDP only (the server refused TCP: 461 Unsupported transport)`. */
  transportNote: string | null;
  video: ProbeVideo | null;
  audio: ProbeAudio | null;
  timestamps: { sane: boolean; problems: string[]; sampledS: number };
  /** What Lookout does with this source. */
  lookout: { video: string; browsers: string; audio: string; warnings: string[] };
}

export interface InspectOptions {
  transport?: RtspTransport;
  /** About this many seconds of packets are read (40 packets a second: 15-30 fps video plus audio). */
  seconds?: number;
  ffprobePath?: string;
  timeoutMs?: number;
}

interface FfprobeJson {
  streams?: Array<{
    index: number;
    codec_type: string;
    codec_name: string;
    profile?: string;
    level?: number;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    sample_rate?: string;
    channels?: number;
  }>;
  packets?: Array<{ stream_index: number; dts_time?: string; pts_time?: string; flags?: string }>;
}

export async function inspectSource(url: string, opts: InspectOptions = {}): Promise<ProbeReport> {
  const display = redactor.redact(url);
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  const isRtsp = scheme === 'rtsp' || scheme === 'rtsps';
  const wanted = opts.transport ?? 'auto';
  let transport: RtspLowerTransport | null = isRtsp ? (wanted === 'auto' ? 'tcp' : wanted) : null;
  let run = await ffprobe(url, transport, opts);
  let note: string | null = transport ? transport.toUpperCase() : null;
  if (!run.ok && transport === 'tcp' && wanted === 'auto') {
    const refused = TCP_REFUSED_RE.test(run.stderr);
    const udp = await ffprobe(url, 'udp', opts);
    if (udp.ok) {
      transport = 'udp';
      note = refused
        ? `UDP only (the server refused TCP: ${rtspAnswer(run.stderr) ?? '461 Unsupported transport'})`
        : 'UDP (TCP gave no media)';
      run = udp;
    }
  }
  if (!run.ok || !run.json) {
    return {
      url: display,
      ok: false,
      error: redactor.redact(rtspAnswer(run.stderr) ?? (lastLine(run.stderr) || 'no answer')),
      transport: null,
      transportNote: null,
      video: null,
      audio: null,
      timestamps: { sane: false, problems: [], sampledS: 0 },
      lookout: { video: 'nothing to play', browsers: '', audio: '', warnings: [] },
    };
  }
  const streams = run.json.streams ?? [];
  const packets = run.json.packets ?? [];
  const vs = streams.find((s) => s.codec_type === 'video');
  const as = streams.find((s) => s.codec_type === 'audio');
  const vPackets = vs ? packets.filter((p) => p.stream_index === vs.index) : [];
  const video: ProbeVideo | null = vs
    ? {
        codec: vs.codec_name,
        profile: vs.profile ?? null,
        level:
          vs.level === undefined || vs.level < 0
            ? null
            : vs.codec_name === 'hevc'
              ? vs.level / 30
              : vs.level / 10,
        width: vs.width ?? null,
        height: vs.height ?? null,
        fps: measuredFps(vPackets) ?? rate(vs.avg_frame_rate) ?? rate(vs.r_frame_rate),
        // Every MJPEG frame is a picture of its own: no GOP to speak of.
        gopS: vs.codec_name === 'mjpeg' ? null : gop(vPackets),
      }
    : null;
  const audio: ProbeAudio | null = as
    ? {
        codec: as.codec_name,
        sampleRate: as.sample_rate ? Number(as.sample_rate) : null,
        channels: as.channels ?? null,
      }
    : null;
  const timestamps = checkTimestamps(streams, packets);
  return {
    url: display,
    ok: true,
    error: null,
    transport,
    transportNote: note,
    video,
    audio,
    timestamps,
    lookout: verdict(video, audio, timestamps, isHttpMjpegUrl(url)),
  };
}

async function ffprobe(
  url: string,
  transport: RtspLowerTransport | null,
  opts: InspectOptions,
): Promise<{ ok: boolean; json: FfprobeJson | null; stderr: string }> {
  const seconds = opts.seconds ?? 4;
  const args = ['-v', 'error', '-hide_banner'];
  if (transport) args.push('-rtsp_transport', transport, '-timeout', '5000000');
  if (isHttpMjpegUrl(url)) args.push('-use_wallclock_as_timestamps', '1');
  args.push(
    '-analyzeduration',
    '3000000',
    // A packet count, not a duration: a duration is measured in the stream's own timestamps, and a
    // camera whose clock jumps back would be read until the timeout.
    '-read_intervals',
    `%+#${Math.round(seconds * 40)}`,
    '-show_entries',
    'stream=index,codec_type,codec_name,profile,level,width,height,avg_frame_rate,r_frame_rate,sample_rate,channels:packet=stream_index,dts_time,pts_time,flags',
    '-of',
    'json',
    url,
  );
  const r = await runChild({
    file: opts.ffprobePath ?? 'ffprobe',
    args,
    timeoutMs: opts.timeoutMs ?? (seconds + 10) * 1000,
    label: 'ffprobe',
  });
  let json: FfprobeJson | null = null;
  try {
    json = JSON.parse(r.stdout.toString('utf8')) as FfprobeJson;
  } catch {
    json = null;
  }
  const ok = r.code === 0 && !!json?.streams?.length;
  return { ok, json, stderr: r.spawnError ? `ffprobe could not start: ${r.spawnError}` : r.stderrTail };
}

function checkTimestamps(
  streams: NonNullable<FfprobeJson['streams']>,
  packets: NonNullable<FfprobeJson['packets']>,
): { sane: boolean; problems: string[]; sampledS: number } {
  const problems: string[] = [];
  let sampled = 0;
  for (const s of streams) {
    if (s.codec_type !== 'video' && s.codec_type !== 'audio') continue;
    const times = packets
      .filter((p) => p.stream_index === s.index)
      .map((p) => Number(p.dts_time ?? p.pts_time))
      .filter((t) => Number.isFinite(t));
    if (times.length > 1) sampled = Math.max(sampled, times.at(-1)! - times[0]!);
    let back = 0;
    let jumps = 0;
    let repeats = 0;
    for (let i = 1; i < times.length; i++) {
      const d = times[i]! - times[i - 1]!;
      if (d < 0) back++;
      else if (d === 0) repeats++;
      else if (d > RETIME_MAX_STEP_S) jumps++;
    }
    const what = `${s.codec_type} (${s.codec_name})`;
    if (back) problems.push(`${what}: timestamps go backwards ${back} time(s)`);
    if (jumps)
      problems.push(`${what}: timestamps jump forward by more than ${RETIME_MAX_STEP_S} s ${jumps} time(s)`);
    // Audio packets may legitimately share a timestamp in some containers; only video repeats count.
    if (repeats && s.codec_type === 'video') problems.push(`${what}: ${repeats} repeated timestamp(s)`);
  }
  return { sane: problems.length === 0, problems, sampledS: Math.round(sampled * 100) / 100 };
}

const BROWSER_AUDIO = new Set(['aac', 'opus', 'mp3']);

function verdict(
  video: ProbeVideo | null,
  audio: ProbeAudio | null,
  ts: { sane: boolean },
  httpMjpeg: boolean,
): ProbeReport['lookout'] {
  const warnings: string[] = [];
  let v = 'copy';
  let browsers = 'plays in every browser';
  if (!video) {
    v = 'no video';
    browsers = 'nothing to show';
    warnings.push('the source has no video stream');
  } else if (video.codec === 'hevc') {
    browsers =
      'H.265: Safari and browsers with HEVC decoding play it as is (hvc1); others get an H.264 transcode variant while they watch';
  } else if (video.codec !== 'h264' || httpMjpeg) {
    v = `encode to H.264 (${video.codec} plays in no browser)`;
    browsers = 'plays in every browser (as H.264)';
    warnings.push(
      `${video.codec} is encoded to H.264: costs CPU (about one core per 1080p stream in software)`,
    );
  }
  if (video?.gopS !== null && video?.gopS !== undefined && video.gopS > 4)
    warnings.push(
      `keyframes every ${video.gopS} s: slow start and high LL-HLS latency; set the camera's I-frame interval to 1-2 s`,
    );
  if (!ts.sane)
    warnings.push('timestamps are not regular: Lookout re-times them, but the camera clock is unreliable');
  const a = !audio
    ? 'no audio'
    : BROWSER_AUDIO.has(audio.codec)
      ? `${audio.codec}: re-encoded to AAC by default (audio: copy passes it through)`
      : `${audio.codec} transcoded to AAC (browsers cannot play ${audio.codec} in MP4)`;
  return { video: v, browsers, audio: a, warnings };
}

/** Human-readable report for the terminal. */
export function renderProbe(r: ProbeReport): string {
  if (!r.ok) return `${r.url}\n  cannot read it: ${r.error}\n`;
  const lines = [r.url];
  if (r.transportNote) lines.push(`  transport   ${r.transportNote}`);
  if (r.video) {
    const v = r.video;
    const profile = [v.profile, v.level !== null ? `level ${v.level}` : null].filter(Boolean).join(', ');
    lines.push(
      `  video       ${v.codec}${profile ? ` (${profile})` : ''} ${v.width ?? '?'}x${v.height ?? '?'}` +
        ` at ${v.fps ?? '?'} fps, ${v.codec === 'mjpeg' ? 'every frame a JPEG' : `keyframe every ${v.gopS ?? '?'} s`}`,
    );
  } else lines.push('  video       none');
  lines.push(
    `  audio       ${r.audio ? `${r.audio.codec} ${r.audio.sampleRate ?? '?'} Hz, ${r.audio.channels ?? '?'} ch` : 'none'}`,
  );
  lines.push(
    `  timestamps  ${r.timestamps.sane ? 'sane' : `NOT sane: ${r.timestamps.problems.join('; ')}`} (${r.timestamps.sampledS} s sampled)`,
  );
  lines.push(`  Lookout     video: ${r.lookout.video}; ${r.lookout.browsers}`);
  lines.push(`              audio: ${r.lookout.audio}`);
  for (const w of r.lookout.warnings) lines.push(`  warning     ${w}`);
  return `${lines.join('\n')}\n`;
}

function rtspAnswer(stderr: string): string | null {
  const m = /method \w+ failed: (\d{3}[^\n]*)/.exec(stderr);
  return m ? m[1]!.trim() : null;
}

function lastLine(s: string): string {
  return s.trim().split('\n').at(-1)?.trim() ?? '';
}

function rate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d] = r.split('/').map(Number);
  if (!n || !d) return null;
  return Math.round((n / d) * 100) / 100;
}

function measuredFps(packets: NonNullable<FfprobeJson['packets']>): number | null {
  const t = packets.map((p) => Number(p.dts_time ?? p.pts_time)).filter(Number.isFinite);
  if (t.length < 3) return null;
  const span = t.at(-1)! - t[0]!;
  return span > 0 ? Math.round(((t.length - 1) / span) * 100) / 100 : null;
}

function gop(packets: NonNullable<FfprobeJson['packets']>): number | null {
  const keys = packets
    .filter((p) => p.flags?.startsWith('K'))
    .map((p) => Number(p.dts_time ?? p.pts_time))
    .filter(Number.isFinite);
  if (keys.length < 2) return null;
  let max = 0;
  for (let i = 1; i < keys.length; i++) max = Math.max(max, keys[i]! - keys[i - 1]!);
  return Math.round(max * 100) / 100;
}
