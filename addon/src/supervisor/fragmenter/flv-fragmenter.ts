/**
 * FLV tags (H.264 + optional AAC, as FFmpeg's FLV muxer writes them) → the fMP4 the hub takes: one
 * init segment, then one fragment per video frame, written the moment the frame's tag arrives (no
 * wait for the next frame, which is what FFmpeg's mp4 muxer costs; see ./README.md).
 *
 * Timing:
 * - video timescale 90 kHz: FLV's millisecond timestamps are exact in it (×90), it is what FFmpeg's
 *   mp4 muxer gives an RTSP camera's video, and composition offsets (ms) stay exact too;
 * - a frame's duration is not known until the next frame arrives, so each sample gets the last
 *   frame step, or the median of the last few when the last is an outlier (noteStep; the stream's
 *   frame rate from onMetaData before the second frame);
 *   the next fragment's tfdt is the real decode time, so an estimate never accumulates into drift;
 * - audio timescale = the AAC sample rate; sample times come from the frame count (1024 samples a
 *   frame) since FLV's ms timestamps are rounded, resynced to the tag's time only on a real gap
 *   (more than two frames off). Audio frames ride in the next video fragment (FFmpeg's fragments
 *   interleave them the same way); audio waits at most one frame interval, video never.
 */
import type { Fmp4Sink } from '../../lib/mp4/box-splitter.js';
import {
  FLV_TAG_AUDIO,
  FLV_TAG_SCRIPT,
  FLV_TAG_VIDEO,
  FlvReader,
  type FlvHeader,
  type FlvTag,
} from './flv-reader.js';
import { fragment, initSegment, type Sample, type TrackConfig } from './fmp4-writer.js';
import { parseOnMetaData } from './amf0.js';
import { audioSpecificConfig } from '../../lib/mp4/codec-string.js';

const VIDEO_ID = 1;
const AUDIO_ID = 2;
const VIDEO_TIMESCALE = 90_000;
const TICKS_PER_MS = VIDEO_TIMESCALE / 1000;
const AAC_FRAME = 1024;
const FLV_CODEC_AVC = 7;
const FLV_SOUND_AAC = 10;
/** Audio tags held while no video frame comes to carry them: beyond this the stream is broken. */
const MAX_PENDING_AUDIO = 500;
/** Frames seen before every sequence header the FLV header announced arrived: FFmpeg sends them first. */
const MAX_FRAMES_BEFORE_INIT = 64;
const DEFAULT_FRAME_MS = 1000 / 15;
/** Frame steps the duration estimate is the median of. */
const STEPS = 5;

export class FlvFragmenter {
  private readonly reader = new FlvReader({ header: (h) => this.onHeader(h), tag: (t) => this.onTag(t) });
  private header: FlvHeader | null = null;
  private avcC: Buffer | null = null;
  private asc: Buffer | null = null;
  private audioRate = 0;
  private width = 0;
  private height = 0;
  private frameMs = DEFAULT_FRAME_MS;
  private initDone = false;
  private framesBeforeInit = 0;
  private sequence = 0;
  private lastVideoMs: number | null = null;
  private readonly steps: number[] = [];
  /** Audio: sample time of the next frame (ticks) and the pending frames for the next fragment. */
  private audioNext: number | null = null;
  private audioBase = 0;
  private pendingAudio: Sample[] = [];
  private readonly videoTracks = new Set([VIDEO_ID]);

  constructor(private readonly sink: Fmp4Sink) {}

  push(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  private onHeader(h: FlvHeader): void {
    if (!h.hasVideo) throw new Error('FLV stream without video: the FLV path carries H.264 video only');
    this.header = h;
  }

  private onTag(t: FlvTag): void {
    if (t.type === FLV_TAG_SCRIPT) return this.onScript(t.data);
    if (t.type === FLV_TAG_VIDEO) return this.onVideo(t);
    if (t.type === FLV_TAG_AUDIO) return this.onAudio(t);
    // Other tag types carry nothing we pass on (FFmpeg writes none).
  }

  private onScript(data: Buffer): void {
    const meta = parseOnMetaData(data);
    if (!meta) return;
    if (meta.width) this.width = meta.width;
    if (meta.height) this.height = meta.height;
    if (meta.framerate && meta.framerate > 0) this.frameMs = 1000 / meta.framerate;
  }

  private onVideo(t: FlvTag): void {
    const d = t.data;
    if (d.length < 5) throw new Error(`malformed FLV: video tag of ${d.length} bytes`);
    const frameType = d[0]! >> 4;
    const codec = d[0]! & 0x0f;
    if (codec !== FLV_CODEC_AVC) throw new Error(`FLV video codec id ${codec}: only H.264 (7) is handled`);
    const packetType = d[1]!;
    if (packetType === 0) return this.onAvcConfig(d.subarray(5));
    if (packetType === 2) return; // end of sequence
    if (packetType !== 1) throw new Error(`malformed FLV: AVC packet type ${packetType}`);
    if (frameType === 5) return; // video info/command frame, no picture
    const ctoMs = d.readIntBE(2, 3);
    if (!this.initDone && !this.tryInit()) {
      if (++this.framesBeforeInit > MAX_FRAMES_BEFORE_INIT)
        throw new Error('FLV: no AVC/AAC sequence header before the first frames');
      return;
    }
    const ms = t.timestampMs;
    if (this.lastVideoMs !== null && ms > this.lastVideoMs) this.noteStep(ms - this.lastVideoMs);
    this.lastVideoMs = ms;
    const video = {
      trackId: VIDEO_ID,
      baseDecodeTime: ms * TICKS_PER_MS,
      samples: [
        {
          data: d.subarray(5),
          duration: Math.max(1, Math.round(this.frameMs * TICKS_PER_MS)),
          cto: ctoMs * TICKS_PER_MS,
          sync: frameType === 1,
        },
      ],
    };
    const runs = [video];
    if (this.pendingAudio.length) {
      runs.push({ trackId: AUDIO_ID, baseDecodeTime: this.audioBase, samples: this.pendingAudio });
      this.pendingAudio = [];
    }
    this.sink.fragment(fragment(++this.sequence, runs, this.videoTracks));
  }

  /**
   * The frame step a new frame is given: the last step, so a GOP's durations add up to its keyframe
   * interval (the LL-HLS parts' and EXTINF's durations follow the media to the ms); but when the last
   * step is far off the median of the last STEPS (a camera pause, a lost frame), the median, so one
   * gap does not make the next frame (and its part) last the gap. A real frame-rate change moves the
   * median within a few frames.
   */
  private noteStep(stepMs: number): void {
    this.steps.push(stepMs);
    if (this.steps.length > STEPS) this.steps.shift();
    const sorted = [...this.steps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    this.frameMs = stepMs > median * 1.5 || stepMs < median * 0.5 ? median : stepMs;
  }

  private onAvcConfig(avcC: Buffer): void {
    if (this.avcC?.equals(avcC)) return;
    if (avcC.length < 7 || avcC[0] !== 1)
      throw new Error('malformed FLV: AVC sequence header is not an avcC');
    this.avcC = Buffer.from(avcC);
    // New parameters mid-stream (FFmpeg passes on a camera's changed SPS/PPS): a new init before the
    // next frame; the hub starts a new generation and waits for a keyframe, as after a restart.
    this.initDone = false;
  }

  private onAudio(t: FlvTag): void {
    const d = t.data;
    if (d.length < 2) throw new Error(`malformed FLV: audio tag of ${d.length} bytes`);
    const format = d[0]! >> 4;
    if (format !== FLV_SOUND_AAC) throw new Error(`FLV sound format ${format}: only AAC (10) is handled`);
    if (d[1] === 0) return this.onAacConfig(d.subarray(2));
    if (!this.initDone) return; // before the init: dropped like FFmpeg drops audio before video starts
    const rate = this.audioRate;
    const tagTicks = Math.round((t.timestampMs * rate) / 1000);
    const frameTicks = AAC_FRAME;
    if (this.audioNext === null || Math.abs(tagTicks - this.audioNext) > 2 * frameTicks) {
      // First frame, or a real gap/jump: the tag's own time. Pending frames keep their own base.
      if (this.pendingAudio.length) this.flushAudioOnly();
      this.audioNext = tagTicks;
    }
    if (this.pendingAudio.length === 0) this.audioBase = this.audioNext;
    this.pendingAudio.push({ data: d.subarray(2), duration: frameTicks, cto: 0, sync: true });
    this.audioNext += frameTicks;
    if (this.pendingAudio.length > MAX_PENDING_AUDIO) this.flushAudioOnly();
  }

  /** Audio that cannot wait for the next video frame (a gap in its timeline, or video stopped). */
  private flushAudioOnly(): void {
    const runs = [{ trackId: AUDIO_ID, baseDecodeTime: this.audioBase, samples: this.pendingAudio }];
    this.pendingAudio = [];
    this.sink.fragment(fragment(++this.sequence, runs, this.videoTracks));
  }

  private onAacConfig(asc: Buffer): void {
    if (asc.length < 2)
      throw new Error('malformed FLV: AAC sequence header shorter than an AudioSpecificConfig');
    if (this.asc?.equals(asc)) return;
    const { audioObjectType, sampleRate: rate } = audioSpecificConfig(asc);
    // 31 escapes to 32 + 6 more bits: object types this writer does not handle.
    if (audioObjectType >= 32) throw new Error('FLV: AAC with an escaped object type is not handled');
    if (!rate) throw new Error(`FLV: AAC sampling frequency index ${(asc[1]! >> 7) | ((asc[0]! & 7) << 1)}`);
    this.audioRate = rate;
    this.asc = Buffer.from(asc);
    this.initDone = false; // as for new video parameters: a new init before the next frame
    this.audioNext = null;
    this.pendingAudio = [];
  }

  /** The init segment once every announced track's configuration is known. */
  private tryInit(): boolean {
    if (!this.header || !this.avcC) return false;
    if (this.header.hasAudio && !this.asc) return false;
    const tracks: TrackConfig[] = [
      {
        kind: 'video',
        id: VIDEO_ID,
        timescale: VIDEO_TIMESCALE,
        width: this.width,
        height: this.height,
        avcC: this.avcC,
      },
    ];
    if (this.asc) {
      const channelConfig = (this.asc[1]! >> 3) & 0x0f;
      tracks.push({
        kind: 'audio',
        id: AUDIO_ID,
        timescale: this.audioRate,
        sampleRate: this.audioRate,
        channels: channelConfig || 2,
        asc: this.asc,
      });
    }
    this.sink.init(initSegment(tracks));
    this.initDone = true;
    return true;
  }
}
