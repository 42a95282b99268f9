/**
 * A profile's `mode` and `transcode` block. Copy mode with encoder or filter options is rejected
 * here, with the camera and field named, instead of FFmpeg refusing to start later
 * ("Filtering and streamcopy cannot be used together", FIELD-NOTES #9).
 */
import type { TranscodeOptions } from '../contracts/config.js';
import { parseBitrate } from './bitrate.js';
import { BUILT_IN_KEYFRAME_INTERVAL_MS, BUILT_IN_LABEL, BUILT_IN_X264_PRESET } from './built-in.js';
import { isNumber, ok, type Checker, type RawMap } from './check.js';
import { formatDuration, parseDuration } from './duration.js';
import { isOneOf, X264_PRESETS } from './enums.js';
import { child, ValueError } from './errors.js';
import type { ProvenanceLog } from './provenance.js';

export const COPY_WITH_TRANSCODE_MESSAGE =
  'transcode options need mode: transcode (copy mode cannot filter or re-encode)';

/** Reports a `transcode` block on a copy-mode profile. `label` is e.g. `camera "garage" profile "sub"`. */
export function checkCopyMode(transcode: unknown, path: string, label: string, ck: Checker): void {
  if (transcode !== undefined) ck.add(path, `${label}: ${COPY_WITH_TRANSCODE_MESSAGE}`);
}

/** Reads a transcode block (absent means all defaults) for a mode: transcode profile. */
export function readTranscode(
  block: RawMap | undefined,
  base: string,
  label: string,
  ck: Checker,
  prov: ProvenanceLog,
  provPath: string,
): TranscodeOptions {
  const num = (key: string): number | null => {
    const v = ck.read(block, key, base, isNumber);
    prov.fileOr(`${provPath}.${key}`, ok(v) ? v : undefined, child(base, key), null, BUILT_IN_LABEL);
    return ok(v) ? v : null;
  };
  const width = num('width');
  const height = num('height');
  const fps = num('fps');

  let keyframeMs = BUILT_IN_KEYFRAME_INTERVAL_MS;
  const kiRaw = block?.['keyframe_interval'];
  const kiPath = child(base, 'keyframe_interval');
  if (kiRaw !== undefined) keyframeMs = parseOr(parseDuration, kiRaw, kiPath, ck) ?? keyframeMs;
  prov.fileOr(
    `${provPath}.keyframeIntervalS`,
    kiRaw === undefined ? undefined : keyframeMs / 1000,
    kiPath,
    keyframeMs / 1000,
    BUILT_IN_LABEL,
  );

  let bitrateKbps: number | null = null;
  const brRaw = block?.['bitrate'];
  if (brRaw !== undefined) bitrateKbps = parseOr(parseBitrate, brRaw, child(base, 'bitrate'), ck);
  prov.fileOr(
    `${provPath}.bitrateKbps`,
    brRaw === undefined ? undefined : bitrateKbps,
    child(base, 'bitrate'),
    null,
    BUILT_IN_LABEL,
  );

  const presetRead = ck.read(block, 'preset', base, isOneOf(X264_PRESETS));
  const preset = ok(presetRead) ? presetRead : BUILT_IN_X264_PRESET;
  prov.fileOr(
    `${provPath}.preset`,
    ok(presetRead) ? presetRead : undefined,
    child(base, 'preset'),
    preset,
    BUILT_IN_LABEL,
  );

  // GOP = fps x interval must be whole frames, or keyframes drift against segment boundaries
  // (FIELD-NOTES #10: a 7.2 s GOP froze players expecting 2 s keyframes).
  if (fps !== null) {
    const frames = (fps * keyframeMs) / 1000;
    const where = kiRaw !== undefined ? kiPath : child(base, 'fps');
    if (frames < 1) {
      ck.add(
        where,
        `${label}: keyframe_interval ${formatDuration(keyframeMs)} at ${fps} fps is less than one frame`,
      );
    } else if (Math.abs(frames - Math.round(frames)) > 1e-6) {
      ck.add(
        where,
        `${label}: keyframe_interval ${formatDuration(keyframeMs)} at ${fps} fps is ${+frames.toFixed(3)} frames; the GOP must be a whole number of frames`,
      );
    }
  }

  return { width, height, fps, keyframeIntervalS: keyframeMs / 1000, bitrateKbps, preset };
}

function parseOr(parse: (v: unknown) => number, raw: unknown, path: string, ck: Checker): number | null {
  try {
    return parse(raw);
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    ck.add(path, err.message);
    return null;
  }
}
