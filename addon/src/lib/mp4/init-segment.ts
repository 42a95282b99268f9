/**
 * Parses an fMP4 init segment (ftyp + moov): one entry per track with its handler, timescale,
 * dimensions or audio format, RFC 6381 codec string and the trex defaults that fragments
 * written with default_base_moof fall back on.
 */
import { type Box, ByteReader, children, findChild, findPath, requireChild } from './box-reader.js';
import { avcCodecString, hevcCodecString, mp4aCodecString } from './codec-string.js';

export type TrackKind = 'video' | 'audio' | 'other';

/** trex: what a fragment's samples default to when neither trun nor tfhd says otherwise. */
export interface TrackDefaults {
  sampleDescriptionIndex: number;
  sampleDuration: number;
  sampleSize: number;
  sampleFlags: number;
}

export interface InitTrack {
  id: number;
  /** hdlr handler type: `vide`, `soun`, ... */
  handler: string;
  kind: TrackKind;
  /** Ticks per second of this track's decode times and durations (mdhd). */
  timescale: number;
  /** Sample entry four-character code: avc1, avc3, hvc1, hev1, mp4a, Opus, ulaw, alaw, ... */
  sampleEntry: string;
  /** RFC 6381 codec string, e.g. `avc1.64001f`, `mp4a.40.2`, `opus`; the fourcc when unknown. */
  codec: string;
  width: number | null;
  height: number | null;
  sampleRate: number | null;
  channels: number | null;
  /** G.711 audio is not playable through MSE; outputs must transcode or drop it. */
  g711: 'ulaw' | 'alaw' | null;
  defaults: TrackDefaults;
}

export interface InitSegmentInfo {
  tracks: InitTrack[];
  /** The first video track, if any: the one whose keyframes decide where readers may start. */
  video: InitTrack | null;
  audio: InitTrack | null;
  /** Comma-separated codec strings of all audio/video tracks, in track order. */
  codecs: string;
  /** For MediaSource.isTypeSupported / addSourceBuffer. */
  mimeType: string;
}

const NO_DEFAULTS: TrackDefaults = {
  sampleDescriptionIndex: 1,
  sampleDuration: 0,
  sampleSize: 0,
  sampleFlags: 0,
};

export function parseInitSegment(buf: Buffer): InitSegmentInfo {
  const moov = requireChild(buf, null, 'moov');
  const defaults = new Map<number, TrackDefaults>();
  const mvex = findChild(buf, moov, 'mvex');
  if (mvex) {
    for (const b of children(buf, mvex)) {
      if (b.type !== 'trex') continue;
      const r = ByteReader.of(buf, b);
      r.fullBox();
      const id = r.u32();
      defaults.set(id, {
        sampleDescriptionIndex: r.u32(),
        sampleDuration: r.u32(),
        sampleSize: r.u32(),
        sampleFlags: r.u32(),
      });
    }
  }
  const tracks: InitTrack[] = [];
  for (const trak of children(buf, moov)) {
    if (trak.type === 'trak') tracks.push(parseTrak(buf, trak, defaults));
  }
  if (tracks.length === 0) throw new Error('mp4: init segment has no tracks');
  const video = tracks.find((t) => t.kind === 'video') ?? null;
  const audio = tracks.find((t) => t.kind === 'audio') ?? null;
  const codecs = tracks
    .filter((t) => t.kind !== 'other')
    .map((t) => t.codec)
    .join(',');
  const mimeType = `${video ? 'video' : 'audio'}/mp4; codecs="${codecs}"`;
  return { tracks, video, audio, codecs, mimeType };
}

function parseTrak(buf: Buffer, trak: Box, defaults: Map<number, TrackDefaults>): InitTrack {
  const tkhd = ByteReader.of(buf, requireChild(buf, trak, 'tkhd'));
  const { version } = tkhd.fullBox();
  tkhd.skip(version === 1 ? 16 : 8); // creation and modification times
  const id = tkhd.u32();

  const mdia = requireChild(buf, trak, 'mdia');
  const mdhd = ByteReader.of(buf, requireChild(buf, mdia, 'mdhd'));
  mdhd.skip(mdhd.fullBox().version === 1 ? 16 : 8);
  const timescale = mdhd.u32();
  if (timescale === 0) throw new Error(`mp4: track ${id} has timescale 0`);

  // Only mdia's hdlr names the media type; QuickTime files carry a second (data) hdlr in minf.
  const hdlr = ByteReader.of(buf, requireChild(buf, mdia, 'hdlr'));
  hdlr.skip(8); // version/flags, pre_defined
  const handler = hdlr.fourcc();
  const kind: TrackKind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';

  const stsd = findPath(buf, mdia, ['minf', 'stbl', 'stsd']);
  if (!stsd) throw new Error(`mp4: track ${id} has no sample description (stsd)`);
  const entry = children(buf, stsd, 8).next().value; // skip version/flags + entry_count
  if (!entry) throw new Error(`mp4: track ${id} has an empty stsd`);

  const track: InitTrack = {
    id,
    handler,
    kind,
    timescale,
    sampleEntry: entry.type,
    codec: entry.type,
    width: null,
    height: null,
    sampleRate: null,
    channels: null,
    g711: null,
    defaults: defaults.get(id) ?? NO_DEFAULTS,
  };
  if (kind === 'video') describeVideo(buf, entry, track);
  else if (kind === 'audio') describeAudio(buf, entry, track);
  return track;
}

/** VisualSampleEntry: 8 bytes SampleEntry + 70 bytes of fixed fields, then avcC/hvcC/pasp/... */
function describeVideo(buf: Buffer, entry: Box, track: InitTrack): void {
  const r = ByteReader.of(buf, entry);
  r.skip(24);
  track.width = r.u16();
  track.height = r.u16();
  for (const child of children(buf, entry, 78)) {
    const payload = buf.subarray(child.payload, child.end);
    if (child.type === 'avcC') track.codec = avcCodecString(entry.type, payload);
    else if (child.type === 'hvcC') track.codec = hevcCodecString(entry.type, payload);
    // mp4v: MPEG-4 Part 2 (object type 0x20) or MJPEG as FFmpeg writes it (0x6C), told by the esds.
    else if (child.type === 'esds') track.codec = mp4aCodecString(payload).codec.replace('mp4a', entry.type);
  }
}

/** AudioSampleEntry v0 is 28 bytes of fixed fields; QuickTime v1/v2 sound descriptions add 16/36. */
function describeAudio(buf: Buffer, entry: Box, track: InitTrack): void {
  const r = ByteReader.of(buf, entry);
  r.skip(8);
  const version = r.u16();
  r.skip(6);
  track.channels = r.u16();
  r.skip(6);
  track.sampleRate = r.u32() >>> 16;
  let fixed = 28;
  if (version === 1) fixed += 16;
  if (version === 2) {
    fixed += 36;
    track.sampleRate = buf.readDoubleBE(entry.payload + 32);
    track.channels = buf.readUInt32BE(entry.payload + 40);
  }
  const simple: Record<string, string> = { Opus: 'opus', fLaC: 'flac', '.mp3': 'mp3' };
  track.codec = simple[entry.type] ?? entry.type;
  if (entry.type === 'ulaw' || entry.type === 'alaw') track.g711 = entry.type;
  if (entry.type !== 'mp4a' && entry.type !== 'Opus') return;
  for (const child of children(buf, entry, fixed)) {
    // QuickTime (-f mov) nests esds inside a 'wave' box.
    const esds =
      child.type === 'wave' ? findChild(buf, child, 'esds') : child.type === 'esds' ? child : undefined;
    if (esds) {
      const aac = mp4aCodecString(buf.subarray(esds.payload, esds.end));
      track.codec = aac.codec;
      track.sampleRate = aac.sampleRate ?? track.sampleRate;
      track.channels = aac.channels ?? track.channels;
    }
    // dOps: version, OutputChannelCount: the real channel count (the entry field is fixed at 2).
    if (child.type === 'dOps' && child.end - child.payload >= 2)
      track.channels = buf.readUInt8(child.payload + 1);
  }
}

/**
 * HEVC video written as `hvc1` rather than FFmpeg's default `hev1`: Apple's players (Safari, iOS) play
 * HEVC in fMP4 only under `hvc1`. Same as FFmpeg's `-tag:v hvc1` (which cannot be given blindly: it
 * breaks any other codec), done on the init segment once the codec is known. Returns the input when
 * there is nothing to change, else a copy.
 */
export function hevcAsHvc1(init: Buffer): Buffer {
  const moov = findChild(init, null, 'moov');
  if (!moov) return init;
  let out: Buffer | null = null;
  for (const trak of children(init, moov)) {
    if (trak.type !== 'trak') continue;
    const stsd = findPath(init, trak, ['mdia', 'minf', 'stbl', 'stsd']);
    if (!stsd) continue;
    for (const entry of children(init, stsd, 8)) {
      if (entry.type !== 'hev1') continue;
      out ??= Buffer.from(init);
      out.write('hvc1', entry.start + 4, 'latin1');
    }
  }
  return out ?? init;
}
