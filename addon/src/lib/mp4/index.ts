/** Pure fMP4 helpers: split FFmpeg's byte stream, parse init segments and fragments. No app imports. */
export { type Fmp4Sink, Fmp4BoxSplitter } from './box-splitter.js';
export { type Box, ByteReader, boxes, children, findChild, findPath, requireChild } from './box-reader.js';
export { type Mp4aConfig, avcCodecString, hevcCodecString, mp4aCodecString } from './codec-string.js';
export { type FragmentInfo, type FragmentTrack, parseFragment } from './fragment.js';
export {
  type InitSegmentInfo,
  type InitTrack,
  type TrackDefaults,
  type TrackKind,
  hevcAsHvc1,
  parseInitSegment,
} from './init-segment.js';
export { type SampleFlags, decodeSampleFlags, isSyncSample } from './sample-flags.js';
export {
  type DurationSlots,
  type FieldWrite,
  type PreparedInit,
  type RetimedFile,
  applyPatches,
  durationPatches,
  fragmentsOf,
  headerPatches,
  prepareInit,
  Retimer,
  retimeFile,
} from './timeline.js';
