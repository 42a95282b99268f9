/**
 * Walks a recorded fMP4 file's top-level boxes without trusting its tail: a file cut by a crash
 * ends in a half-written box, so this stops at the first box that overruns the bytes present
 * instead of throwing. Used to repair `.partial` files and to re-index files without a sidecar.
 */
import { parseFragment, parseInitSegment, type InitSegmentInfo } from '../../lib/mp4/index.js';

export interface Fmp4Scan {
  /** End of ftyp+moov, or 0 when the init is incomplete (nothing decodable). */
  initEnd: number;
  /** Byte offset just past the last complete moof+mdat pair (or initEnd). */
  validEnd: number;
  fragments: number;
  durationS: number;
  /** Media seconds from the first fragment's decode time (for the start of a repaired file). */
  firstDecodeTimeS: number | null;
}

interface RawBox {
  type: string;
  start: number;
  end: number;
}

function* topLevel(buf: Buffer): Generator<RawBox> {
  let pos = 0;
  while (buf.length - pos >= 8) {
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (size === 1) {
      if (buf.length - pos < 16) return;
      size = Number(buf.readBigUInt64BE(pos + 8));
    }
    if (size < 8 || pos + size > buf.length) return; // torn write: stop at the last whole box
    yield { type, start: pos, end: pos + size };
    pos += size;
  }
}

export function scanFmp4(buf: Buffer): Fmp4Scan {
  const out: Fmp4Scan = { initEnd: 0, validEnd: 0, fragments: 0, durationS: 0, firstDecodeTimeS: null };
  let info: InitSegmentInfo | null = null;
  let moof: RawBox | null = null;
  for (const box of topLevel(buf)) {
    if (!info) {
      if (box.type === 'moov') {
        try {
          info = parseInitSegment(buf.subarray(0, box.end));
        } catch {
          return out;
        }
        out.initEnd = out.validEnd = box.end;
      }
      continue;
    }
    if (box.type === 'moof') moof = box;
    else if (box.type === 'mdat' && moof) {
      try {
        const f = parseFragment(buf.subarray(moof.start, box.end), info);
        out.durationS += f.durationS;
        out.firstDecodeTimeS ??= f.decodeTimeS;
      } catch {
        return out; // a moof we cannot parse ends the usable part
      }
      out.fragments++;
      out.validEnd = box.end;
      moof = null;
    }
  }
  return out;
}
