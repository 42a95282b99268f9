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

  it('passes fragments inside one pipe chunk on as views of it, and copies only one cut across chunks', async () => {
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
    // Two fragments in one chunk (a late read): views of that chunk, no copy, no bytes of another chunk.
    const both = ownChunk(Buffer.concat([fragments[1]!, fragments[2]!]));
    splitter.push(both);
    assert.equal(got.length, 3);
    for (const [i, f] of got.slice(1).entries()) {
      assert.equal(f.buffer, both.buffer, 'a view of the chunk');
      assert.deepEqual(f, fragments[i + 1]);
    }
    // A fragment cut across two chunks: copied into its own buffer (it pins neither chunk).
    const f3 = fragments[3]!;
    const a = ownChunk(f3.subarray(0, 100));
    const b = ownChunk(Buffer.concat([f3.subarray(100), fragments[4]!]));
    splitter.push(a);
    splitter.push(b);
    assert.equal(got.length, 5);
    assert.notEqual(got[3]!.buffer, a.buffer);
    assert.notEqual(got[3]!.buffer, b.buffer);
    assert.equal(got[3]!.buffer.byteLength, f3.length, 'exactly its own bytes');
    assert.deepEqual(got[3], f3);
    assert.equal(got[4]!.buffer, b.buffer, 'the next one, whole in the second chunk, is a view');
    assert.deepEqual(got[4], fragments[4]);
  });

  it('throws on a corrupt box size', () => {
    const splitter = new Fmp4BoxSplitter({ init: () => {}, fragment: () => {} });
    assert.throws(() => splitter.push(Buffer.from([0, 0, 0, 3, 0x66, 0x74, 0x79, 0x70])), /malformed fMP4/);
  });
});
