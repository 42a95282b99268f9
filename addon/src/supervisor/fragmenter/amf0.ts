/**
 * The few fields of FLV's onMetaData script tag the fMP4 init needs (width, height, frame rate): an
 * AMF0 string "onMetaData" then an ECMA array of name → value. FFmpeg writes numbers, booleans and
 * strings there; anything else ends the walk (the fields read so far are kept).
 */
export interface FlvMetaData {
  width?: number;
  height?: number;
  framerate?: number;
}

const NUMBER = 0;
const BOOLEAN = 1;
const STRING = 2;
const ECMA_ARRAY = 8;
const WANTED = new Set(['width', 'height', 'framerate']);

export function parseOnMetaData(data: Buffer): FlvMetaData | null {
  let p = 0;
  const str = (): string => {
    const n = data.readUInt16BE(p);
    const s = data.toString('utf8', p + 2, p + 2 + n);
    p += 2 + n;
    return s;
  };
  try {
    if (data[p++] !== STRING || str() !== 'onMetaData') return null;
    if (data[p++] !== ECMA_ARRAY) return null;
    p += 4; // approximate count; the array ends with an empty name and type 9
    const out: Record<string, number> = {};
    while (p + 3 <= data.length) {
      const name = str();
      if (name === '') break;
      const type = data[p++];
      if (type === NUMBER) {
        const v = data.readDoubleBE(p);
        p += 8;
        if (WANTED.has(name)) out[name] = v;
      } else if (type === BOOLEAN) p += 1;
      else if (type === STRING) str();
      else break;
    }
    return out as FlvMetaData;
  } catch {
    return null; // truncated: the fields are optional, the init falls back on defaults
  }
}
