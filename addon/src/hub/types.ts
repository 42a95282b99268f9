/**
 * What the hub hands out: init records, fMP4 fragments grouped into keyframe-aligned segments,
 * reader events and status. Consumers (LL-HLS, MSE, snapshot, recorder) read these and
 * must treat them as immutable; the Buffers are shared by every reader.
 */
import type { FragmentInfo, InitSegmentInfo } from '../lib/mp4/index.js';

/** One FFmpeg process's init segment. A new one arrives with every (re)start. */
export interface InitRecord {
  /** 1 for the hub's first init, +1 per setInit: every generation is a timeline discontinuity. */
  readonly generation: number;
  readonly data: Buffer;
  readonly info: InitSegmentInfo;
  /** The bytes differ from the previous generation's init (codec parameters changed). */
  readonly changed: boolean;
  /** Wall clock (ms since epoch) when it arrived. */
  readonly receivedAt: number;
}

/**
 * One fMP4 fragment as FFmpeg cut it (a quarter of the part target by default). Outputs group them as
 * they need: MSE forwards each at once, LL-HLS groups runs of them into its parts (llhls/parts.ts).
 */
export interface Fragment {
  /** Hub-wide fragment counter, monotonic for the hub's life (across restarts). */
  readonly seq: number;
  /** Media sequence number of the segment this fragment belongs to. */
  readonly segmentSeq: number;
  /** Position inside that segment, from 0. */
  readonly index: number;
  readonly generation: number;
  readonly data: Buffer;
  readonly byteLength: number;
  readonly durationS: number;
  /** Decode time of the first sample (tfdt of the timing track), seconds; restarts with each generation. */
  readonly decodeTimeS: number;
  /** Starts with a keyframe: a decoder (new reader, an LL-HLS part with INDEPENDENT=YES) can begin here. */
  readonly independent: boolean;
  /** Wall clock (ms) when the hub received it. */
  readonly arrivedAt: number;
  /** Wall clock (ms) of its first sample, continuous along media time: for EXT-X-PROGRAM-DATE-TIME. */
  readonly programDateTime: number;
  /** The parsed fragment (per track decode time, samples, duration). */
  readonly info: FragmentInfo;
}

/** A run of fragments starting at a keyframe (LL-HLS segment). The last one in the window may still be open. */
export interface Segment {
  /** Media sequence number (EXT-X-MEDIA-SEQUENCE), monotonic for the hub's life. */
  readonly seq: number;
  readonly generation: number;
  /** The init its fragments decode with (EXT-X-MAP). */
  readonly init: InitRecord;
  /** First segment after a restart: emit EXT-X-DISCONTINUITY before it. */
  readonly discontinuity: boolean;
  /** Discontinuity sequence number per RFC 8216: EXT-X-DISCONTINUITY tags up to and including this one. */
  readonly discontinuitySeq: number;
  readonly fragments: readonly Fragment[];
  readonly durationS: number;
  readonly byteLength: number;
  /** Wall clock (ms) of the first fragment's first sample. */
  readonly programDateTime: number;
  /** No more fragments will be added (the next keyframe, a restart or a reset closed it). */
  readonly closed: boolean;
}

/** Delivered to a reader's write(), in order. */
export type ReaderEvent =
  /** Always first, and again on every restart (discontinuity true): re-create the decoder if `init.changed`. */
  | { type: 'init'; init: InitRecord; discontinuity: boolean }
  | { type: 'fragment'; fragment: Fragment }
  /** This reader fell behind: fragments were dropped and the next fragment is a keyframe later in time. */
  | { type: 'gap'; droppedFragments: number; droppedBytes: number }
  /** The producer ended; the reader stays subscribed and gets an init when it restarts. */
  | { type: 'reset'; reason: string };

export interface ReaderStats {
  id: number;
  name: string;
  queuedBytes: number;
  queuedEvents: number;
  deliveredFragments: number;
  deliveredBytes: number;
  droppedFragments: number;
  droppedBytes: number;
  /** Times the queue overflowed and the reader skipped to the next keyframe. */
  skips: number;
  waitingForKeyframe: boolean;
  /** Set once closed: 'unsubscribed', the drop reason, 'hub closed: …'. */
  closedReason: string | null;
}

export interface HubStatus {
  id: string;
  /** An init has been set and no reset has followed. */
  live: boolean;
  /** Init segments received (FFmpeg starts) in the hub's life. */
  generation: number;
  codecs: string | null;
  mimeType: string | null;
  video: { codec: string; width: number | null; height: number | null } | null;
  audio: {
    codec: string;
    sampleRate: number | null;
    channels: number | null;
    g711: 'ulaw' | 'alaw' | null;
  } | null;
  /** Largest keyframe interval among the recent ones, media seconds; null before two keyframes. */
  gopS: number | null;
  /** Media seconds since the latest keyframe. */
  sinceKeyframeS: number | null;
  fps: number | null;
  bytesPerS: number | null;
  /** Fragment durations (the key keeps its published API name). */
  partDurationS: { avg: number; min: number; max: number } | null;
  window: {
    segments: number;
    /** Fragments in the window (the key keeps its published API name). */
    parts: number;
    bytes: number;
    spanS: number;
    firstSeq: number | null;
    lastSeq: number | null;
  };
  counters: { bytesIn: number; fragmentsIn: number; fragmentsDiscarded: number; segmentsClosed: number };
  readerCount: number;
  readers: ReaderStats[];
  lastResetReason: string | null;
  /** Human-readable problems (long GOP, parts off target, window overflow), never silently tolerated. */
  warnings: string[];
  /** warnings joined with '; ', or null. */
  warning: string | null;
}
