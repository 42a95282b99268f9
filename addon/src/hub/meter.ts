/**
 * Measures what the stream really does (keyframe interval, frame rate, bitrate, part durations) from
 * the fragments themselves, and turns mismatches with the hub's settings into warnings. In copy mode
 * the camera's GOP rules (FIELD-NOTES #10): a 7 s GOP must be reported, not silently tolerated.
 */
import type { FragmentInfo } from '../lib/mp4/index.js';

export interface MeterLimits {
  partTargetS: number;
  maxGopS: number;
}

export type WarningCode =
  'long-gop' | 'no-keyframe' | 'part-duration' | 'keyframe-mid-fragment' | 'window-overflow' | 'g711-audio';

/** `code` is stable (compare, count, translate); `message` says what is wrong and what to change. */
export interface HubWarning {
  code: WarningCode;
  message: string;
}

export interface MeterSnapshot {
  gopS: number | null;
  sinceKeyframeS: number | null;
  fps: number | null;
  bytesPerS: number | null;
  partDurationS: { avg: number; min: number; max: number } | null;
}

interface Sample {
  durationS: number;
  bytes: number;
  videoSamples: number;
  videoDurationS: number;
  keyframeMidFragment: boolean;
}

/** Rates are averaged over this much recent media. */
const RATE_SPAN_S = 5;
const RECENT_GOPS = 4;
const EPSILON_S = 0.05;

export class StreamMeter {
  private gops: number[] = [];
  private lastKeyS: number | null = null;
  private endS: number | null = null;
  private recent: Sample[] = [];
  private recentS = 0;

  constructor(private readonly limits: MeterLimits) {}

  /** A new FFmpeg process: decode times restart and its settings may differ, so forget everything. */
  restart(): void {
    this.gops = [];
    this.lastKeyS = null;
    this.endS = null;
    this.recent = [];
    this.recentS = 0;
  }

  /** `videoTrackId` is null for audio-only streams, which have no GOP. */
  add(f: FragmentInfo, videoTrackId: number | null): void {
    // parseFragment already picked the video track as `primary` when the fragment has one.
    const video = videoTrackId !== null && f.primary.trackId === videoTrackId ? f.primary : undefined;
    if (video && f.independent) {
      if (this.lastKeyS !== null && f.decodeTimeS > this.lastKeyS) {
        this.gops.push(f.decodeTimeS - this.lastKeyS);
        if (this.gops.length > RECENT_GOPS) this.gops.shift();
      }
      this.lastKeyS = f.decodeTimeS;
    }
    // An audio-only fragment of an A/V stream adds no time (see FragmentInfo.durationS).
    if (f.durationS > 0) this.endS = f.decodeTimeS + f.durationS;
    this.recent.push({
      durationS: f.durationS,
      bytes: f.byteLength,
      videoSamples: video?.sampleCount ?? 0,
      videoDurationS: video?.durationS ?? 0,
      keyframeMidFragment: video !== undefined && video.syncSamples > (video.startsWithKeyframe ? 1 : 0),
    });
    this.recentS += f.durationS;
    while (this.recent.length > 2 && this.recentS - this.recent[0]!.durationS >= RATE_SPAN_S) {
      this.recentS -= this.recent.shift()!.durationS;
    }
  }

  snapshot(): MeterSnapshot {
    return this.scan().snapshot;
  }

  /**
   * One pass over the recent samples, no closures or arrays: the hub asks for warnings several times
   * a second per stream. Sums run oldest first, as a reduce would, so the numbers are the same.
   */
  private scan(): { snapshot: MeterSnapshot; keyframeMidFragment: boolean } {
    let videoS = 0;
    let videoSamples = 0;
    let bytes = 0;
    let min = Infinity;
    let max = -Infinity;
    let keyframeMidFragment = false;
    let timed = 0;
    for (const s of this.recent) {
      videoS += s.videoDurationS;
      videoSamples += s.videoSamples;
      bytes += s.bytes;
      if (s.keyframeMidFragment) keyframeMidFragment = true;
      if (s.durationS === 0) continue; // audio-only fragment of an A/V stream: not a part length
      timed++;
      if (s.durationS < min || Number.isNaN(s.durationS)) min = s.durationS; // NaN wins, as in Math.min
      if (s.durationS > max || Number.isNaN(s.durationS)) max = s.durationS;
    }
    let gopS: number | null = null;
    for (const g of this.gops) if (gopS === null || g > gopS) gopS = g;
    return {
      snapshot: {
        gopS,
        sinceKeyframeS: this.lastKeyS !== null && this.endS !== null ? this.endS - this.lastKeyS : null,
        fps: videoS > 0 ? videoSamples / videoS : null,
        bytesPerS: this.recentS > 0 ? bytes / this.recentS : null,
        partDurationS: timed ? { avg: this.recentS / timed, min, max } : null,
      },
      keyframeMidFragment,
    };
  }

  warnings(): HubWarning[] {
    const { partTargetS, maxGopS } = this.limits;
    const { snapshot: m, keyframeMidFragment } = this.scan();
    const out: HubWarning[] = [];
    const warn = (code: WarningCode, message: string): number => out.push({ code, message });
    const s = (x: number): string => `${x.toFixed(2)} s`;
    if (m.gopS !== null && m.gopS > maxGopS + EPSILON_S) {
      warn(
        'long-gop',
        `keyframe interval is ${s(m.gopS)}, above ${s(maxGopS)}: new viewers wait up to that long for a picture ` +
          `and segments stretch to it; set the camera's I-frame interval to at most ${s(maxGopS)} or transcode`,
      );
    }
    if (
      m.sinceKeyframeS !== null &&
      m.sinceKeyframeS > maxGopS + EPSILON_S &&
      m.sinceKeyframeS > (m.gopS ?? 0) + EPSILON_S
    ) {
      warn('no-keyframe', `no keyframe for ${s(m.sinceKeyframeS)} of media`);
    }
    if (m.partDurationS && this.recent.length >= 5) {
      const { avg, max } = m.partDurationS;
      // Fragments are one frame each (the supervisor's FLV fragmenter: 33 ms at 30 fps) or cut at a
      // fraction of the part target (FRAGMENTS_PER_PART), so short ones are normal; only long ones
      // (parts that cannot be split) or absurdly short ones (a broken frame rate) are reported.
      if (avg < partTargetS * 0.05 || avg > partTargetS * 1.5 || max > partTargetS * 2) {
        warn(
          'part-duration',
          `fragments average ${s(avg)} (longest ${s(max)}) against a ${s(partTargetS)} part target: ` +
            `check FFmpeg's -frag_duration and the frame rate`,
        );
      }
    }
    if (keyframeMidFragment) {
      warn(
        'keyframe-mid-fragment',
        'keyframes arrive inside fragments: FFmpeg needs -movflags frag_keyframe, or readers start late',
      );
    }
    return out;
  }
}
