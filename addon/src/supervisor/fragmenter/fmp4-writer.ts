/**
 * Writes fragmented MP4 (ISO/IEC 14496-12, the CMAF shape FFmpeg's
 * `-movflags frag_keyframe+empty_moov+default_base_moof` gives): an init segment (ftyp + moov with
 * empty sample tables and mvex/trex) and fragments (moof + mdat) with tfdt and fully explicit trun
 * (duration, size, flags per sample; composition offsets for video), data offsets relative to moof.
 * Only what the hub and its consumers read (lib/mp4) and browsers, FFmpeg and ffprobe need: H.264
 * (avc1 + avcC) and AAC (mp4a + esds).
 */

export interface VideoTrackConfig {
  kind: 'video';
  id: number;
  timescale: number;
  width: number;
  height: number;
  /** AVCDecoderConfigurationRecord, as FLV's AVC sequence header carries it. */
  avcC: Buffer;
}

export interface AudioTrackConfig {
  kind: 'audio';
  id: number;
  /** The AAC sample rate (one tick per sample, so 1024-sample frames have exact durations). */
  timescale: number;
  sampleRate: number;
  channels: number;
  /** AudioSpecificConfig, as FLV's AAC sequence header carries it. */
  asc: Buffer;
}

export type TrackConfig = VideoTrackConfig | AudioTrackConfig;

export interface Sample {
  data: Buffer;
  duration: number;
  /** Composition minus decode time, in track ticks (B-frames); 0 for audio. */
  cto: number;
  sync: boolean;
}

export interface TrackRun {
  trackId: number;
  /** tfdt: decode time of the first sample, in track ticks. */
  baseDecodeTime: number;
  samples: Sample[];
}

/** trun/trex sample flags as FFmpeg writes them: a keyframe depends on nothing, others are non-sync. */
const SYNC_FLAGS = 0x02000000;
const NON_SYNC_FLAGS = 0x01010000;
const MOVIE_TIMESCALE = 1000;
const MATRIX = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...parts], size);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...parts);
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

function matrix(): Buffer {
  return u32s(...MATRIX);
}

export function initSegment(tracks: TrackConfig[]): Buffer {
  const ftyp = box('ftyp', Buffer.from('iso5', 'latin1'), u32s(512), Buffer.from('iso5iso6mp41', 'latin1'));
  const nextId = Math.max(...tracks.map((t) => t.id)) + 1;
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    u32s(0, 0, MOVIE_TIMESCALE, 0, 0x00010000),
    Buffer.from([0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // volume 1.0, reserved
    matrix(),
    Buffer.alloc(24), // pre_defined
    u32s(nextId),
  );
  const traks = tracks.map(trak);
  const trexes = tracks.map((t) => fullBox('trex', 0, 0, u32s(t.id, 1, 0, 0, 0)));
  return Buffer.concat([ftyp, box('moov', mvhd, ...traks, box('mvex', ...trexes))]);
}

function trak(t: TrackConfig): Buffer {
  const video = t.kind === 'video';
  const tkhd = fullBox(
    'tkhd',
    0,
    0x3, // enabled, in movie
    u32s(0, 0, t.id, 0, 0, 0, 0),
    Buffer.from([0, 0, 0, 0, video ? 0 : 0x01, 0, 0, 0]), // layer, alternate group, volume, reserved
    matrix(),
    u32s(video ? t.width << 16 : 0, video ? t.height << 16 : 0),
  );
  const mdhd = fullBox('mdhd', 0, 0, u32s(0, 0, t.timescale, 0), Buffer.from([0x55, 0xc4, 0, 0])); // 'und'
  const handler = video ? 'vide' : 'soun';
  const name = video ? 'VideoHandler' : 'SoundHandler';
  const hdlr = fullBox(
    'hdlr',
    0,
    0,
    u32s(0),
    Buffer.from(handler, 'latin1'),
    Buffer.alloc(12),
    Buffer.from(`${name}\0`, 'latin1'),
  );
  const mediaHeader = video ? fullBox('vmhd', 0, 1, Buffer.alloc(8)) : fullBox('smhd', 0, 0, Buffer.alloc(4));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32s(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32s(1), video ? avc1(t) : mp4a(t)),
    fullBox('stts', 0, 0, u32s(0)),
    fullBox('stsc', 0, 0, u32s(0)),
    fullBox('stsz', 0, 0, u32s(0, 0)),
    fullBox('stco', 0, 0, u32s(0)),
  );
  return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', mediaHeader, dinf, stbl)));
}

function avc1(t: VideoTrackConfig): Buffer {
  const fixed = Buffer.alloc(78);
  fixed.writeUInt16BE(1, 6); // data_reference_index
  fixed.writeUInt16BE(t.width, 24);
  fixed.writeUInt16BE(t.height, 26);
  fixed.writeUInt32BE(0x00480000, 28); // 72 dpi
  fixed.writeUInt32BE(0x00480000, 32);
  fixed.writeUInt16BE(1, 40); // frame_count
  fixed.writeUInt16BE(0x0018, 74); // depth
  fixed.writeInt16BE(-1, 76); // pre_defined
  return box('avc1', fixed, box('avcC', t.avcC));
}

function mp4a(t: AudioTrackConfig): Buffer {
  const fixed = Buffer.alloc(28);
  fixed.writeUInt16BE(1, 6); // data_reference_index
  fixed.writeUInt16BE(t.channels, 16);
  fixed.writeUInt16BE(16, 18); // sample size
  fixed.writeUInt32BE((t.sampleRate & 0xffff) * 0x10000, 24);
  return box('mp4a', fixed, esds(t));
}

/** MPEG-4 descriptor: tag, length (one byte: every length here is < 128), body. */
function descriptor(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  if (body.length > 127) throw new Error(`mp4: descriptor ${tag} of ${body.length} bytes`);
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}

function esds(t: AudioTrackConfig): Buffer {
  const decoderConfig = descriptor(
    0x04,
    Buffer.from([0x40, 0x15, 0, 0, 0]), // MPEG-4 audio, audio stream, buffer size 0
    u32s(0, 0), // max / average bitrate unknown
    descriptor(0x05, t.asc),
  );
  const es = descriptor(
    0x03,
    Buffer.from([0, t.id & 0xff, 0]),
    decoderConfig,
    descriptor(0x06, Buffer.from([2])),
  );
  return fullBox('esds', 0, 0, es);
}

// tfhd / trun flags
const DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x1;
const TRUN_DURATION = 0x100;
const TRUN_SIZE = 0x200;
const TRUN_FLAGS = 0x400;
const TRUN_CTO = 0x800;

/** One fragment: moof (mfhd, a traf per run) + one mdat holding the runs' samples in order. */
export function fragment(sequenceNumber: number, runs: TrackRun[], video: ReadonlySet<number>): Buffer {
  const used = runs.filter((r) => r.samples.length > 0);
  // Sizes first: each trun's data_offset counts from the start of moof to its first sample.
  const trafSizes = used.map((r) => trafSize(r.samples.length, video.has(r.trackId)));
  const moofSize = 8 + 16 + trafSizes.reduce((a, b) => a + b, 0);
  const mdatPayload = used.reduce((n, r) => n + r.samples.reduce((m, s) => m + s.data.length, 0), 0);
  // Unsafe (not zeroed) is fine: every byte is written below, and this runs once per frame per stream.
  const out = Buffer.allocUnsafe(moofSize + 8 + mdatPayload);
  let p = 0;
  const u32 = (v: number) => {
    out.writeUInt32BE(v >>> 0, p);
    p += 4;
  };
  const type = (t: string) => {
    out.write(t, p, 'latin1');
    p += 4;
  };
  u32(moofSize);
  type('moof');
  u32(16);
  type('mfhd');
  u32(0);
  u32(sequenceNumber);
  let dataOffset = moofSize + 8;
  used.forEach((r, i) => {
    const isVideo = video.has(r.trackId);
    const negative = r.samples.some((s) => s.cto < 0);
    u32(trafSizes[i]!);
    type('traf');
    u32(16);
    type('tfhd');
    u32(DEFAULT_BASE_IS_MOOF);
    u32(r.trackId);
    u32(20);
    type('tfdt');
    u32(0x01000000);
    out.writeBigUInt64BE(BigInt(Math.round(r.baseDecodeTime)), p);
    p += 8;
    u32(trafSizes[i]! - 8 - 16 - 20);
    type('trun');
    const flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | (isVideo ? TRUN_CTO : 0);
    u32(((negative ? 1 : 0) << 24) | flags); // version 1: signed composition offsets
    u32(r.samples.length);
    u32(dataOffset);
    for (const s of r.samples) {
      u32(s.duration);
      u32(s.data.length);
      u32(s.sync ? SYNC_FLAGS : NON_SYNC_FLAGS);
      if (isVideo) {
        out.writeInt32BE(s.cto, p);
        p += 4;
      }
      dataOffset += s.data.length;
    }
  });
  u32(8 + mdatPayload);
  type('mdat');
  for (const r of used) for (const s of r.samples) p += s.data.copy(out, p);
  return out;
}

function trafSize(samples: number, video: boolean): number {
  const trun = 8 + 4 + 4 + 4 + samples * (video ? 16 : 12);
  return 8 + 16 + 20 + trun;
}
