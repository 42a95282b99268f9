/**
 * A small LL-HLS media playlist parser for tests: enough structure (segments, parts, maps,
 * discontinuities, program date times, server control) to check what a player relies on.
 */

export interface ParsedPart {
  durationS: number;
  uri: string;
  independent: boolean;
}

export interface ParsedSegment {
  /** Media sequence number (EXT-X-MEDIA-SEQUENCE + position). */
  msn: number;
  discontinuitySeq: number;
  discontinuity: boolean;
  map: string | null;
  programDateTime: number | null;
  parts: ParsedPart[];
  /** Null while the segment is still open (parts only, no EXTINF yet). */
  durationS: number | null;
  uri: string | null;
}

export interface ParsedPlaylist {
  version: number | null;
  targetDuration: number | null;
  partTarget: number | null;
  serverControl: Record<string, string>;
  mediaSequence: number | null;
  discontinuitySequence: number;
  /** EXT-X-SKIP SKIPPED-SEGMENTS of a delta update (0 in a full playlist). */
  skippedSegments: number;
  segments: ParsedSegment[];
  preloadHint: { type: string; uri: string } | null;
  /** Every URI in the playlist (MAP, PART, segment, hint). */
  uris: string[];
  unknownTags: string[];
}

export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (const m of list.matchAll(re)) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

export function parseMediaPlaylist(text: string): ParsedPlaylist {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines[0] !== '#EXTM3U') throw new Error('playlist does not start with #EXTM3U');
  const pl: ParsedPlaylist = {
    version: null,
    targetDuration: null,
    partTarget: null,
    serverControl: {},
    mediaSequence: null,
    discontinuitySequence: 0,
    skippedSegments: 0,
    segments: [],
    preloadHint: null,
    uris: [],
    unknownTags: [],
  };
  let map: string | null = null;
  let pending: Omit<ParsedSegment, 'msn' | 'uri' | 'durationS' | 'discontinuitySeq'> | null = null;
  let pendingDuration: number | null = null;
  let discSeq = 0;
  // A MAP between a segment's tags and its URI belongs to that segment.
  const setMap = (m: string | null) => {
    if (pending) pending.map = m;
  };
  const open = () => (pending ??= { discontinuity: false, map, programDateTime: null, parts: [] });
  const push = (durationS: number | null, uri: string | null) => {
    const p = open();
    if (p.discontinuity) discSeq++;
    pl.segments.push({
      ...p,
      map,
      msn: (pl.mediaSequence ?? 0) + pl.skippedSegments + pl.segments.length,
      discontinuitySeq: discSeq,
      durationS,
      uri,
    });
    pending = null;
  };
  for (const line of lines.slice(1)) {
    const [tag, value = ''] = line.startsWith('#') ? splitTag(line) : ['', ''];
    switch (tag) {
      case '#EXT-X-VERSION':
        pl.version = Number(value);
        break;
      case '#EXT-X-TARGETDURATION':
        pl.targetDuration = Number(value);
        break;
      case '#EXT-X-PART-INF':
        pl.partTarget = Number(parseAttributes(value)['PART-TARGET']);
        break;
      case '#EXT-X-SERVER-CONTROL':
        pl.serverControl = parseAttributes(value);
        break;
      case '#EXT-X-MEDIA-SEQUENCE':
        pl.mediaSequence = Number(value);
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        pl.discontinuitySequence = Number(value);
        discSeq = Number(value);
        break;
      case '#EXT-X-SKIP':
        pl.skippedSegments = Number(parseAttributes(value)['SKIPPED-SEGMENTS']);
        break;
      case '#EXT-X-DISCONTINUITY':
        open().discontinuity = true;
        break;
      case '#EXT-X-MAP':
        map = parseAttributes(value)['URI'] ?? null;
        pl.uris.push(map ?? '');
        setMap(map);
        break;
      case '#EXT-X-PROGRAM-DATE-TIME':
        open().programDateTime = Date.parse(value);
        break;
      case '#EXT-X-PART': {
        const a = parseAttributes(value);
        open().parts.push({
          durationS: Number(a['DURATION']),
          uri: a['URI'] ?? '',
          independent: a['INDEPENDENT'] === 'YES',
        });
        pl.uris.push(a['URI'] ?? '');
        break;
      }
      case '#EXTINF':
        pendingDuration = Number(value.split(',')[0]);
        break;
      case '#EXT-X-PRELOAD-HINT': {
        const a = parseAttributes(value);
        pl.preloadHint = { type: a['TYPE'] ?? '', uri: a['URI'] ?? '' };
        pl.uris.push(a['URI'] ?? '');
        break;
      }
      case '': // a URI line ends a complete segment
        push(pendingDuration, line);
        pl.uris.push(line);
        pendingDuration = null;
        break;
      default:
        pl.unknownTags.push(tag);
    }
  }
  if (pending) push(null, null);
  return pl;
}

function splitTag(line: string): [string, string] {
  const i = line.indexOf(':');
  return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
}
