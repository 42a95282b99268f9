import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fmp4BoxSplitter } from './box-splitter.js';
import { type Fmp4Capture, sharedCapture, testVideo, x264 } from './ffmpeg.test-helper.js';

/** Feeds the capture's bytes in chunks of `size` and checks the splitter gives back the same boxes. */
function roundTrip({ init, fragments }: Fmp4Capture, size: number): void {
  const stream = Buffer.concat([init, ...fragments]);
  const got: Fmp4Capture[] = [];
  const out: Fmp4Capture = { init: Buffer.alloc(0), fragments: [] };
  const splitter = new Fmp4BoxSplitter({
    init: (b) => got.push({ ...out, init: b }),
    fragment: (f) => out.fragments.push(f),
  });
  for (let i = 0; i < stream.length; i += size) splitter.push(stream.subarray(i, i + size));
  assert.equal(got.length, 1, `one init (chunks of ${size})`);
  assert.deepEqual(got[0]!.init, init, `chunks of ${size}`);
  assert.deepEqual(out.fragments, fragments, `chunks of ${size}`);
}

describe('Fmp4BoxSplitter', () => {
  const capture = sharedCapture([...testVideo(15, 1), ...x264('main', 15)]);

  it('yields the same init and fragments however the pipe cuts the bytes', async () => {
    const full = await capture;
    // Tiny chunks only over a prefix: while a box is incomplete the splitter re-concatenates every
    // pending chunk on each push, O(chunks²): 1-byte chunks over 19 KB took 1.9 s (pipes deliver KBs).
    roundTrip({ init: full.init, fragments: [] }, 1);
    roundTrip({ init: full.init, fragments: full.fragments.slice(0, 2) }, 7);
    for (const size of [1000, 4096, 1 << 30]) roundTrip(full, size);
  });

  it('passes a fragment that is one whole pipe chunk on without a copy, and copies one cut from a larger chunk', async () => {
    const { init, fragments } = await capture;
    // A pipe read is its own allocation, exactly the bytes read: model that with allocUnsafeSlow.
    const ownChunk = (b: Buffer): Buffer => {
      const c = Buffer.allocUnsafeSlow(b.length);
      b.copy(c);
      return c;
    };
    const got: Buffer[] = [];
    const splitter = new Fmp4BoxSplitter({ init: () => {}, fragment: (f) => got.push(f) });
    splitter.push(ownChunk(init));
    const whole = ownChunk(fragments[0]!);
    splitter.push(whole);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.buffer, whole.buffer, 'the chunk itself, not a copy');
    assert.deepEqual(got[0], fragments[0]);
    // Two fragments in one chunk: each is copied out, so neither pins the other's bytes.
    const both = ownChunk(Buffer.concat([fragments[1]!, fragments[2]!]));
    splitter.push(both);
    assert.equal(got.length, 3);
    for (const [i, f] of got.slice(1).entries()) {
      assert.notEqual(f.buffer, both.buffer);
      assert.deepEqual(f, fragments[i + 1]);
    }
  });

  it('throws on a corrupt box size', () => {
    const splitter = new Fmp4BoxSplitter({ init: () => {}, fragment: () => {} });
    assert.throws(() => splitter.push(Buffer.from([0, 0, 0, 3, 0x66, 0x74, 0x79, 0x70])), /malformed fMP4/);
  });
});
