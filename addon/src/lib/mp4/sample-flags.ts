/**
 * ISO/IEC 14496-12 sample flags (trex, tfhd, trun): which samples a decoder can start on.
 *
 *   bits 31-28 reserved | 27-26 is_leading | 25-24 sample_depends_on | 23-22 is_depended_on
 *   21-20 has_redundancy | 19-17 padding | 16 is_non_sync_sample | 15-0 degradation_priority
 */

export interface SampleFlags {
  /** 0 unknown, 1 depends on other samples (not an I-frame), 2 does not (I-frame). */
  dependsOn: number;
  isNonSync: boolean;
}

export function decodeSampleFlags(flags: number): SampleFlags {
  return { dependsOn: (flags >>> 24) & 0x3, isNonSync: ((flags >>> 16) & 0x1) === 1 };
}

/**
 * A sync sample (keyframe): not flagged non-sync and not declared dependent. FFmpeg sets both
 * fields consistently; requiring both keeps a muxer that only sets depends_on=1 from fooling us.
 */
export function isSyncSample(flags: number): boolean {
  const f = decodeSampleFlags(flags);
  return !f.isNonSync && f.dependsOn !== 1;
}
