/**
 * Fuzz: the fMP4 parsers FFmpeg's stdout and recorded files go through — the box splitter (any
 * chunking, any bytes), init-segment and fragment parsing, the hvc1 rewrite, and the recorder's
 * retiming/repair of a file. Seeds are real FFmpeg output (H.264 + AAC), mutated byte-wise and
 * box-wise. Property: every outcome is a result or an Error of the module's own (`mp4: …`,
 * `malformed fMP4: …`), never a RangeError from reading past a buffer, in bounded time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamHub } from '../../addon/src/hub/index.js';
import { Fmp4BoxSplitter } from '../../addon/src/lib/mp4/box-splitter.js';
import { sharedCapture, testAudio, testVideo, x264 } from '../../addon/src/lib/mp4/ffmpeg.test-helper.js';
import { parseFragment } from '../../addon/src/lib/mp4/fragment.js';
import { hevcAsHvc1, parseInitSegment, type InitSegmentInfo } from '../../addon/src/lib/mp4/init-segment.js';
import { headerPatches, prepareInit, retimeFile } from '../../addon/src/lib/mp4/timeline.js';
import { assertQuick, corpus, fc, params, trapUnhandled } from './harness.js';

/** The module's own errors: anything else (RangeError, TypeError) is a parser bug. */
const OWN_ERROR = /^(mp4: |malformed fMP4: )/;

function ownErrorsOnly<T>(what: string, f: () => T): T | null {
  try {
    return f();
  } catch (err) {
    assert.ok(err instanceof Error, `${what}: threw a non-Error ${String(err)}`);
    assert.match(err.message, OWN_ERROR, `${what}: not a clear mp4 error: ${err.stack}`);
    return null;
  }
}

/** Everything a malformed stream can reach: splitter → init/fragment parsing → hvc1 → retiming. */
function exercise(bytes: Buffer, cuts: number[]): void {
  const inits: Buffer[] = [];
  const fragments: Buffer[] = [];
  const splitter = new Fmp4BoxSplitter({ init: (b) => inits.push(b), fragment: (f) => fragments.push(f) });
  ownErrorsOnly('splitter', () => {
    let pos = 0;
    for (const cut of [...cuts, bytes.length]) {
      const end = Math.min(bytes.length, Math.max(pos, cut));
      splitter.push(bytes.subarray(pos, end));
      pos = end;
    }
  });
  for (const init of inits) {
    const info = ownErrorsOnly('parseInitSegment', () => parseInitSegment(init));
    ownErrorsOnly('hevcAsHvc1', () => hevcAsHvc1(init));
    ownErrorsOnly('prepareInit', () => prepareInit(init));
    if (info)
      for (const f of fragments.slice(0, 8)) ownErrorsOnly('parseFragment', () => parseFragment(f, info));
  }
  // The supervisor's path: hvc1 rewrite, then the hub (init, fragments, a reader, the status).
  const hub = new StreamHub('fuzz/main');
  const reader = hub.subscribe({ name: 'fuzz', write: () => undefined });
  for (const init of inits.slice(0, 2)) {
    if (ownErrorsOnly('hub.setInit', () => hub.setInit(hevcAsHvc1(init))) === null) continue;
    for (const f of fragments.slice(0, 8)) ownErrorsOnly('hub.pushFragment', () => hub.pushFragment(f));
  }
  hub.status();
  reader.close();
  hub.close('fuzz done');
  // The recorder's repair pass reads a whole file: init then fragments, up to a "valid" end.
  const initEnd = inits[0]?.length ?? Math.min(bytes.length, cuts[0] ?? 0);
  ownErrorsOnly('retimeFile', () => retimeFile(bytes, initEnd, bytes.length));
  ownErrorsOnly('headerPatches', () => headerPatches(bytes, initEnd, bytes.length));
}

describe('fuzz: fMP4 box splitter and parsers', () => {
  const trap = trapUnhandled();
  let seed: Buffer;
  let info: InitSegmentInfo;
  let init: Buffer;
  let fragments: Buffer[];
  /** Offsets of init and of each fragment's first 256 bytes (styp, moof, traf, trun, mdat header). */
  let headers: number[];
  before(async () => {
    const capture = await sharedCapture([
      ...testVideo(15, 1, '160x90'),
      ...testAudio(1),
      ...x264('main', 15),
      '-c:a',
      'aac',
    ]);
    init = capture.init;
    fragments = capture.fragments.slice(0, 6);
    seed = Buffer.concat([init, ...fragments]);
    info = parseInitSegment(init);
    headers = [];
    for (let i = 0; i < init.length; i++) headers.push(i);
    let pos = init.length;
    for (const f of fragments) {
      for (let i = 0; i < Math.min(256, f.length); i++) headers.push(pos + i);
      pos += f.length;
    }
  });
  after(() => trap.dispose());

  test('the seed itself parses (the fuzzer starts from a valid stream)', () => {
    assert.ok(fragments.length >= 3);
    for (const f of fragments) parseFragment(f, info);
    assert.ok(retimeFile(seed, init.length, seed.length).fragments >= 3);
  });

  test('corpus: every input that once broke a parser still gets a clear answer', () => {
    for (const { name, data } of corpus('mp4')) {
      const t0 = Date.now();
      exercise(data, [7, 8, 16, 100]);
      assertQuick(t0, 2000, `corpus ${name}`);
    }
    trap.check('mp4 corpus');
  });

  test('byte mutations of a real stream, cut into random pipe chunks', () => {
    const mutation = fc.record({
      writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
      // Box sizes and counts are where parsers overread: bias some writes to 32-bit fields.
      words: fc.array(fc.tuple(fc.nat(), fc.constantFrom(0, 1, 7, 8, 0xffffffff, 0x7fffffff, 16)), {
        maxLength: 4,
      }),
      truncate: fc.option(fc.nat(), { nil: undefined }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(mutation, ({ writes, words, truncate, cuts }) => {
        const bytes = Buffer.from(seed);
        // Mostly into box headers and tables (init, moof): mdat payload bytes reach no parser.
        const at = (n: number) => headers[n % headers.length]!;
        for (const [n, v] of writes) bytes[at(n)] = v;
        for (const [n, v] of words) bytes.writeUInt32BE(v >>> 0, Math.min(at(n), bytes.length - 4));
        const data = truncate === undefined ? bytes : bytes.subarray(0, truncate % bytes.length);
        const t0 = Date.now();
        exercise(
          data,
          cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b),
        );
        assertQuick(t0, 2000, 'one mutated stream');
      }),
      params(300),
    );
    trap.check('mp4 byte mutations');
  });

  test('boxes of a real stream shuffled, dropped and repeated; plain random bytes', () => {
    const pieces = () => {
      const out: Buffer[] = [];
      for (let pos = 0; pos + 8 <= seed.length;) {
        const size = seed.readUInt32BE(pos);
        out.push(seed.subarray(pos, pos + size));
        pos += size;
      }
      return out;
    };
    const boxes = pieces();
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: boxes.length - 1 }), { maxLength: 10 }),
        fc.uint8Array({ maxLength: 300 }),
        (order, noise) => {
          const data = Buffer.concat([...order.map((i) => boxes[i]!), Buffer.from(noise)]);
          exercise(data, [3, 9, 17]);
          ownErrorsOnly('parseFragment(noise)', () => parseFragment(Buffer.from(noise), info));
          ownErrorsOnly('parseInitSegment(noise)', () => parseInitSegment(Buffer.from(noise)));
        },
      ),
      params(300),
    );
    trap.check('mp4 box shuffles');
  });
});
