import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader, boxes, findPath, requireChild } from './box-reader.js';

/** Builds a box with a 32-bit size header. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

describe('box reader', () => {
  it('walks sibling boxes and follows a path into containers', () => {
    const file = Buffer.concat([
      box('ftyp', Buffer.from('isom')),
      box('moov', box('mvhd', Buffer.alloc(4)), box('trak', box('mdia', box('mdhd', Buffer.from([1, 2]))))),
    ]);
    assert.deepEqual(
      [...boxes(file)].map((b) => b.type),
      ['ftyp', 'moov'],
    );
    const mdhd = findPath(file, null, ['moov', 'trak', 'mdia', 'mdhd']);
    assert.ok(mdhd, 'mdhd found');
    assert.deepEqual([...file.subarray(mdhd.payload, mdhd.end)], [1, 2]);
    assert.equal(findPath(file, null, ['moov', 'mvex']), undefined);
    assert.throws(() => requireChild(file, null, 'moof'), /missing "moof"/);
  });

  it('reads 64-bit largesize and size-0 (to the end) boxes', () => {
    const large = Buffer.alloc(16 + 3);
    large.writeUInt32BE(1, 0);
    large.write('mdat', 4, 'latin1');
    large.writeBigUInt64BE(19n, 8);
    const open = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from('free'), Buffer.alloc(5)]);
    const all = [...boxes(Buffer.concat([large, open]))];
    assert.deepEqual(
      all.map((b) => [b.type, b.payload - b.start, b.end - b.start]),
      [
        ['mdat', 16, 19],
        ['free', 8, 13],
      ],
    );
  });

  it('rejects a box that overruns its parent instead of reading the neighbour', () => {
    const bad = box('moov', Buffer.alloc(4));
    bad.writeUInt32BE(100, 0);
    assert.throws(() => [...boxes(bad)], /"moov" at offset 0 has size 100/);
    assert.throws(() => [...boxes(Buffer.alloc(5))], /5 stray bytes/);
  });

  it('bounds every field read by the box end', () => {
    const b = box('tfdt', Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 42]));
    const [tfdt] = [...boxes(b)];
    const r = ByteReader.of(b, tfdt!);
    assert.deepEqual(r.fullBox(), { version: 1, flags: 0 });
    assert.equal(r.u64(), 42);
    assert.throws(() => r.u8(), /"tfdt" truncated/);
  });
});
