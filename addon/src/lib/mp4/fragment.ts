/**
 * Parses one fMP4 fragment ([styp] [sidx] moof mdat) as split by box-splitter.ts: per track the
 * decode time, sample count, duration and whether it starts on a keyframe. Sample durations and
 * flags fall back trun → tfhd → trex (init segment), so the init is required: FFmpeg with
 * default_base_moof often leaves the durations to tfhd but a track's flags to trex.
 */
import { type Box, boxAt, ByteReader, requireChild } from './box-reader.js';
import type { InitSegmentInfo, InitTrack } from './init-segment.js';
import { isSyncSample } from './sample-flags.js';

export interface FragmentTrack {
  trackId: number;
  timescale: number;
  /** tfdt baseMediaDecodeTime, in track ticks. */
  baseDecodeTime: number;
  sampleCount: number;
  /** Sum of the sample durations, in track ticks. */
  duration: number;
  decodeTimeS: number;
  durationS: number;
  startsWithKeyframe: boolean;
  /** Sync samples anywhere in the fragment; > 0 with startsWithKeyframe false means mid-fragment keyframes. */
  syncSamples: number;
}

export interface FragmentInfo {
  /** mfhd sequence number (FFmpeg counts from 1 per process). */
  sequenceNumber: number;
  byteLength: number;
  tracks: FragmentTrack[];
  /** The track that times the fragment: the init's video track if present here, else the first one. */
  primary: FragmentTrack;
  /**
   * A decoder can start here: the video track's first sample is a keyframe. Audio-only fragments are
   * always independent; a fragment of an A/V stream without video samples never is.
   */
  independent: boolean;
  decodeTimeS: number;
  /**
   * How far this fragment advances the stream's timeline: the video track's duration when the stream
   * has video. A fragment holding only audio of an A/V stream (FFmpeg's interleaving cuts one now and
   * then, more often under load) adds 0: its audio overlaps the neighbouring video fragments, and
   * counting it made LL-HLS parts and EXTINF ~64 ms too long each time, so players' playlist timeline
   * drifted from the media's.
   */
  durationS: number;
}

// tfhd flags
const BASE_DATA_OFFSET = 0x1;
const SAMPLE_DESCRIPTION_INDEX = 0x2;
const DEFAULT_DURATION = 0x8;
const DEFAULT_SIZE = 0x10;
const DEFAULT_FLAGS = 0x20;
// trun flags
const DATA_OFFSET = 0x1;
const FIRST_SAMPLE_FLAGS = 0x4;
const SAMPLE_DURATION = 0x100;
const SAMPLE_SIZE = 0x200;
const SAMPLE_FLAGS = 0x400;
const SAMPLE_CTO = 0x800;

export function parseFragment(buf: Buffer, init: InitSegmentInfo): FragmentInfo {
  const moof = requireChild(buf, null, 'moof');
  let sequenceNumber = 0;
  const tracks: FragmentTrack[] = [];
  // Plain loops over boxAt (not the children() generator): this runs per fragment per stream.
  for (let pos = moof.payload; pos < moof.end;) {
    const b = boxAt(buf, pos, moof.end);
    pos = b.end;
    if (b.type === 'mfhd') {
      const r = ByteReader.of(buf, b);
      r.fullBox();
      sequenceNumber = r.u32();
    } else if (b.type === 'traf') {
      tracks.push(parseTraf(buf, b, init));
    }
  }
  const first = tracks[0];
  if (!first) throw new Error('mp4: fragment has no track fragments (traf)');
  const video = init.video ? tracks.find((t) => t.trackId === init.video!.id) : undefined;
  const primary = video ?? first;
  const independent = init.video
    ? video !== undefined && video.sampleCount > 0 && video.startsWithKeyframe
    : true;
  return {
    sequenceNumber,
    byteLength: buf.length,
    tracks,
    primary,
    independent,
    decodeTimeS: primary.decodeTimeS,
    durationS: init.video && !video ? 0 : primary.durationS,
  };
}

function parseTraf(buf: Buffer, traf: Box, init: InitSegmentInfo): FragmentTrack {
  const tfhd = ByteReader.of(buf, requireChild(buf, traf, 'tfhd'));
  const { flags } = tfhd.fullBox();
  const trackId = tfhd.u32();
  const track: InitTrack | undefined = init.tracks.find((t) => t.id === trackId);
  if (!track) throw new Error(`mp4: fragment names track ${trackId}, which the init segment does not have`);
  let defaultDuration = track.defaults.sampleDuration;
  let defaultFlags = track.defaults.sampleFlags;
  if (flags & BASE_DATA_OFFSET) tfhd.skip(8);
  if (flags & SAMPLE_DESCRIPTION_INDEX) tfhd.skip(4);
  if (flags & DEFAULT_DURATION) defaultDuration = tfhd.u32();
  if (flags & DEFAULT_SIZE) tfhd.skip(4);
  if (flags & DEFAULT_FLAGS) defaultFlags = tfhd.u32();

  const tfdt = ByteReader.of(buf, requireChild(buf, traf, 'tfdt'));
  const baseDecodeTime = tfdt.fullBox().version === 1 ? tfdt.u64() : tfdt.u32();

  let sampleCount = 0;
  let duration = 0;
  let syncSamples = 0;
  let startsWithKeyframe = false;
  for (let pos = traf.payload; pos < traf.end;) {
    const trunBox = boxAt(buf, pos, traf.end);
    pos = trunBox.end;
    if (trunBox.type !== 'trun') continue;
    const r = ByteReader.of(buf, trunBox);
    const f = r.fullBox().flags;
    const count = r.u32();
    if (f & DATA_OFFSET) r.skip(4);
    const firstFlags = f & FIRST_SAMPLE_FLAGS ? r.u32() : null;
    const fields =
      (f & SAMPLE_DURATION ? 1 : 0) +
      (f & SAMPLE_SIZE ? 1 : 0) +
      (f & SAMPLE_FLAGS ? 1 : 0) +
      (f & SAMPLE_CTO ? 1 : 0);
    if (count * fields * 4 > r.remaining)
      throw new Error(`mp4: trun of track ${trackId} claims ${count} samples`);
    for (let i = 0; i < count; i++) {
      duration += f & SAMPLE_DURATION ? r.u32() : defaultDuration;
      if (f & SAMPLE_SIZE) r.skip(4);
      let sampleFlags = f & SAMPLE_FLAGS ? r.u32() : defaultFlags;
      if (i === 0 && firstFlags !== null) sampleFlags = firstFlags;
      if (f & SAMPLE_CTO) r.skip(4);
      const sync = isSyncSample(sampleFlags);
      if (sync) syncSamples++;
      if (sampleCount === 0 && i === 0) startsWithKeyframe = sync;
    }
    sampleCount += count;
  }
  return {
    trackId,
    timescale: track.timescale,
    baseDecodeTime,
    sampleCount,
    duration,
    decodeTimeS: baseDecodeTime / track.timescale,
    durationS: duration / track.timescale,
    startsWithKeyframe,
    syncSamples,
  };
}
